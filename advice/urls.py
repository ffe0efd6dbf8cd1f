from django.urls import path

from . import public_views, views

app_name = "advice"

urlpatterns = [
    path("g/<slug:slug>/letters/", views.letter_list, name="letters"),
    path("g/<slug:slug>/letters/new/", views.letter_new, name="letter_new"),
    path("g/<slug:slug>/letters/<int:pk>/", views.letter_detail, name="letter"),
    path("g/<slug:slug>/letters/<int:pk>/edit/", views.letter_edit, name="letter_edit"),
    path("g/<slug:slug>/letters/<int:pk>/compare/", views.letter_compare, name="letter_compare"),
    path("g/<slug:slug>/letters/<int:pk>/review/", views.letter_review, name="letter_review"),
    path("g/<slug:slug>/letters/<int:pk>/approve/", views.letter_approve, name="letter_approve"),
    path("g/<slug:slug>/letters/<int:pk>/issue/", views.letter_issue, name="letter_issue"),
    path("g/<slug:slug>/letters/<int:pk>/publish/", views.letter_publish, name="letter_publish"),
    path("g/<slug:slug>/letters/<int:pk>/comment/", views.letter_comment, name="letter_comment"),
    path("g/<slug:slug>/letters/<int:pk>/letter.pdf", views.letter_download, name="letter_pdf"),
    path("groups/<slug:slug>/letters/", public_views.published_letters, name="public_letters"),
    path(
        "groups/<slug:slug>/letters/feed.atom",
        public_views.PublishedLettersFeed(),
        name="public_feed",
    ),
    path(
        "groups/<slug:slug>/letters/<int:pk>/",
        public_views.published_letter,
        name="public_letter",
    ),
    path(
        "groups/<slug:slug>/letters/<int:pk>/letter.pdf",
        public_views.published_letter_pdf,
        name="public_letter_pdf",
    ),
    path(
        "g/<slug:slug>/letters/<int:pk>/restore/<int:number>/",
        views.letter_restore,
        name="letter_restore",
    ),
]
