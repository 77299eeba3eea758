"""What the call log asks of a PBX, whichever it is: the one client interface.

A PBX's package (``mango/``, ``binotel/``) implements :class:`PbxClient` in the one
class that talks HTTP to that PBX, and raises :class:`PbxError` (or its own subclass) in
words when an exchange fails. The call log, its features, the wizards and the
reconciliation use only what is here: the wire format stays in the PBX's package.

No Odoo import here.
"""
import abc
import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import requests


class PbxError(Exception):
    """A failed exchange with a PBX, in words.

    ``reason`` is an English sentence with ``%(name)s`` placeholders filled from
    ``params``; the Odoo side translates ``reason`` (and a ``meaning`` parameter) before
    filling it in, so that it can be kept as ``{"reason", "params"}`` and said later in
    the reader's language. ``code`` is the PBX's result code when it gave one,
    ``http_status`` the HTTP status when there was an answer.
    """

    #: the PBX's codes after which asking again later may succeed, and its code for "asked
    #: too often" (each PBX's subclass names its own)
    RETRYABLE_CODES = frozenset()
    RATE_LIMITED_CODE = None

    def __init__(self, reason, code=None, http_status=None, **params):
        self.reason = reason
        self.code = code
        self.http_status = http_status
        self.params = {"code": code, "status": http_status, **params}
        super().__init__(reason % self.params)

    @property
    def retryable(self):
        """Whether asking again later may succeed: no answer at all, the PBX was busy, or
        it answered one of its ``RETRYABLE_CODES``."""
        return self.code in self.RETRYABLE_CODES or self.http_status in (429, 502, 503, 504) \
            or (self.code is None and self.http_status is None)

    @property
    def rate_limited(self):
        """Whether the PBX refused because it was asked too often: ask again in a moment."""
        return self.http_status == 429 \
            or (self.code is not None and self.code == self.RATE_LIMITED_CODE)

    def stored(self):
        """What to keep of the error to say it again later (``PbxError(**stored)``)."""
        return {"reason": self.reason, "params": self.params}


class PbxTimeout(PbxError):
    """The PBX did not answer within the client's timeout (it may still act on it)."""


class PbxNotReady(PbxError):
    """The PBX does not have what was asked yet (a recording it is still storing): asking
    again later may succeed."""

    @property
    def retryable(self):
        return True


class PbxUnsupported(PbxError):
    """This PBX has no such operation (Binotel has no command to route a waiting call):
    asking again never helps; the Odoo side offers the feature only where it exists."""

    @property
    def retryable(self):
        return False


@dataclass(frozen=True)
class Employee:
    """An employee of the PBX: ``ref`` is the PBX's id of them, ``extension`` their short
    number ('' when they have none: they can neither ring nor be put through)."""
    ref: str
    name: str
    email: str = ""
    extension: str = ""


@dataclass(frozen=True)
class Group:
    """A group of the PBX, which a group callback rings by its ``extension``."""
    ref: str
    name: str
    extension: str = ""


@dataclass(frozen=True)
class Line:
    """A line of the PBX: the ``number`` customers call and calls are made from."""
    ref: str
    number: str
    name: str = ""


@dataclass(frozen=True)
class Notification:
    """A notification in the PBX's own shape, as its webhook would have received it:
    journaled as it is, it is applied like a live one. ``raw_json``: the journal's text of
    it when the PBX's package says it as its webhook journals one (so that the same
    notification received from both is one row), else ``payload`` with its keys sorted."""
    path: str
    payload: dict
    raw_json: str = ""

    def journal_text(self):
        return self.raw_json or json.dumps(self.payload, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class StatisticsCall:
    """A call of the PBX's statistics, with what to journal of it when the call log lacks
    it: ``summary`` completes the call, ``recordings`` (recording ref -> notification)
    queue its recordings. ``start`` in Unix seconds."""
    entry_ref: str
    start: int
    summary: Notification
    recordings: dict = field(default_factory=dict)


# What the call log shows of the website visitor behind a call tracking number
# (``tracking_visitor``): flat text values under these names, only those known.
VISITOR_FIELDS = (
    "uid", "widget_id", "widget_name", "product_id", "ga_cid", "ya_cid", "rs_cid", "ip",
    "region_id", "duration", "device", "custom", "location_country_code",
    "location_region_code", "location_region", "location_city", "channel_source",
    "channel_medium", "channel_campaign", "channel_content", "channel_term",
    "current_page_url", "current_page_date", "current_page_title",
)


class PbxClient(abc.ABC):
    """The operations the call log needs of a PBX. Each raises a :class:`PbxError` in
    words when the PBX refuses, answers what it should not, or does not answer.

    Commands answer the command ref they were sent with; their outcome may also come
    later as a notification carrying it.
    """

    #: the longest period one ``statistics`` call may cover
    statistics_window = timedelta(days=1)
    #: the PBX's API address when the settings give none
    DEFAULT_URL = ""

    def _connect(self, base_url, timeout, session):
        """Where and how this client sends: the API's address (``DEFAULT_URL`` when
        empty), a timeout in seconds, an HTTP session (a new one when None)."""
        self.base_url = (base_url or self.DEFAULT_URL).rstrip("/") + "/"
        self.timeout = timeout
        self.session = session or requests.Session()

    @staticmethod
    def new_command_ref(prefix="odoo"):
        """A command ref of our own: ``<prefix>-<32 hex digits>``."""
        return f"{prefix}-{uuid.uuid4().hex}"

    @classmethod
    @abc.abstractmethod
    def result_error(cls, code):
        """The PBX's result code ``code`` of a command as a PbxError in words; None when it
        means success."""

    # -- commands ----------------------------------------------------------------------

    @abc.abstractmethod
    def route(self, leg_ref, to_number, command_ref=None, display_name=None):
        """Send the leg ``leg_ref`` waiting in the voice menu or queue to ``to_number``
        (an extension), showing ``display_name`` (the caller's name) on the phone."""

    @abc.abstractmethod
    def callback(self, extension, to_number, command_ref=None, line_number=None):
        """Ring the employee's phone (``extension``) first, then dial ``to_number``."""

    @abc.abstractmethod
    def group_callback(self, number, group_extension, line_number, command_ref=None):
        """Dial the customer's ``number`` first, then the group, from ``line_number``."""

    @abc.abstractmethod
    def transfer(self, leg_ref, to_number, initiator, command_ref=None):
        """Transfer the connected leg ``leg_ref`` to ``to_number`` on behalf of
        ``initiator`` (the employee's extension on the leg), blind: the employee leaves
        the call while the new leg rings."""

    @abc.abstractmethod
    def hangup(self, leg_ref, command_ref=None):
        """End the leg ``leg_ref``."""

    # -- queries -----------------------------------------------------------------------

    @abc.abstractmethod
    def users(self):
        """The PBX's employees: a list of :class:`Employee`."""

    @abc.abstractmethod
    def groups(self):
        """The PBX's groups: a list of :class:`Group`."""

    @abc.abstractmethod
    def lines(self):
        """The PBX's lines: a list of :class:`Line`."""

    @abc.abstractmethod
    def statistics(self, date_from, date_to):
        """The calls from ``date_from`` to ``date_to`` (naive UTC datetimes, at most
        ``statistics_window`` apart, not in the future): a list of :class:`StatisticsCall`."""

    @abc.abstractmethod
    def recording(self, recording_ref):
        """The file of a recording: ``(content_type, bytes)``."""

    @abc.abstractmethod
    def tracking_visitor(self, number):
        """The website visitor behind the dynamic call tracking ``number``: a dict of
        :data:`VISITOR_FIELDS` names to text; {} when the number is bound to nobody."""
