"""Locust user for `bench/run.py`: one page, fetched back to back by each simulated person.

Run by bench/run.py, once per page and number of users, with the page in BENCH_PATH and the
signed-in session in BENCH_COOKIE. Anything but a 200 counts as a failure.
"""

import os

from locust import FastHttpUser, constant, task

PATH = os.environ["BENCH_PATH"]
NAME = os.environ.get("BENCH_NAME", PATH)
HEADERS = {"Cookie": os.environ["BENCH_COOKIE"]} if os.environ.get("BENCH_COOKIE") else {}


class Visitor(FastHttpUser):
    wait_time = constant(0)

    @task
    def page(self):
        with self.client.get(
            PATH, headers=HEADERS, name=NAME, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
