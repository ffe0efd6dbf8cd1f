"""Meeting pages, one module per area: meetings and agendas, papers, actions, calendars."""
