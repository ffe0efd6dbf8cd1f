"""The meetings app's models: meetings and what belongs to them, and the written procedure."""

from .circulations import (  # noqa: F401
    Circulation,
    CirculationRecipient,
    Comment,
    CommentAttachment,
    InboundMessage,
    Position,
    Question,
    comment_attachment_upload_to,
)
from .meetings import (  # noqa: F401
    Action,
    AgendaItem,
    Attendance,
    CalendarFeed,
    Declaration,
    Meeting,
    MeetingRule,
    Minutes,
    MinutesComment,
    MinutesCorrection,
    MinutesEntry,
    Paper,
    PaperDownload,
    PaperVersion,
    SchoolTerm,
    minutes_pdf_upload_to,
    paper_upload_to,
)
