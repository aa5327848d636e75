"""A fake Twilio REST API (Messages, Calls) and the phones at the other end."""

import base64
import re
import secrets
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

import requests
from twilio.request_validator import RequestValidator

from tests.fakes.server import WAIT_SECONDS, FakeServer, Recorded, Reply

RESOURCE = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/(?P<kind>Messages|Calls)\.json$")


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class Sms:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str
    seen: bool = False
    received_at: float = field(default_factory=time.time)  # wall clock, for bench/

    def __str__(self) -> str:
        return f"  SMS to {self.to}: {self.body!r}"


@dataclass
class Call:
    sid: str
    to: str
    from_: str
    url: str
    status_callback: str
    seen: bool = False
    twiml: str = ""  # what the call said when answered
    said: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"  call to {self.to} ({self.url})"


class FakeTwilio(FakeServer):
    """Point TWILIO_API_URL at `.url`; `public_base_url` is where edrops answers webhooks."""

    def __init__(
        self,
        *,
        public_base_url: str,
        account_sid: str = "AC" + "f" * 32,
        auth_token: str = "fake-twilio-auth-token",
        number: str = "+13125550000",
    ):
        self.public_base_url = public_base_url.rstrip("/")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.number = number
        self.sms: list[Sms] = []
        self.calls: list[Call] = []
        super().__init__()

    # --- the REST API -------------------------------------------------------------------------

    def authenticate(self, recorded: Recorded) -> Reply | None:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if recorded.headers.get("Authorization") != f"Basic {expected}":
            return error(401, 20003, "Authenticate")
        return None

    def answer(self, recorded: Recorded) -> Reply:
        match = RESOURCE.match(recorded.path.split("?")[0])
        if recorded.method != "POST" or not match or match["sid"] != self.account_sid:
            return error(404, 20404, f"The requested resource {recorded.path} was not found")
        p = recorded.params
        now = format_datetime(datetime.now(UTC), usegmt=True)
        common = {
            "account_sid": self.account_sid,
            "to": p.get("To"),
            "from": p.get("From"),
            "date_created": now,
            "date_updated": now,
            "api_version": "2010-04-01",
        }
        if match["kind"] == "Messages":
            sms = Sms(new_sid("SM"), p["To"], p["From"], p["Body"], p.get("StatusCallback", ""))
            self.sms.append(sms)
            return Reply(
                201,
                {
                    **common,
                    "sid": sms.sid,
                    "body": sms.body,
                    "status": "queued",
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sms.sid}.json",
                },
            )
        call = Call(new_sid("CA"), p["To"], p["From"], p["Url"], p.get("StatusCallback", ""))
        self.calls.append(call)
        return Reply(
            201,
            {
                **common,
                "sid": call.sid,
                "status": "queued",
                "direction": "outbound-api",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call.sid}.json",
            },
        )

    # --- faults -------------------------------------------------------------------------------

    def transient_error(self) -> Reply:
        return error(500, 20500, "Internal Server Error")

    def fail_next(self, times: int = 1, status: int = 500) -> None:
        self.inject(error(status, 20500, "Internal Server Error"), times)

    def reject_next_as_invalid_number(self) -> None:
        self.inject(error(400, 21211, "The 'To' number is not a valid phone number."))

    def garble_next(self, times: int = 1) -> None:
        """A 201 whose body is not JSON (a proxy's login page in the way): the SDK raises
        something that is not a Twilio error at all."""
        self.inject(Reply(201, "<html><body>Please log in to continue</body></html>"), times)

    def rate_limit_next(self, times: int = 1) -> None:
        self.inject(error(429, 20429, "Too Many Requests"), times)

    # --- what was sent --------------------------------------------------------------------------

    def _sent(self) -> str:
        return "\n".join(f"{'  (seen)' if x.seen else ''}{x}" for x in [*self.sms, *self.calls])

    def expect_sms(self, *, to: str, containing: str = "", timeout: float = WAIT_SECONDS) -> Sms:
        """The next unseen SMS to `to` containing `containing`, waiting for it to arrive."""

        def find():
            for sms in self.sms:
                if not sms.seen and sms.to == to and containing in sms.body:
                    sms.seen = True
                    return sms
            return None

        return self.wait_for(
            find, timeout=timeout, what=f"an SMS to {to} containing {containing!r}", seen=self._sent
        )

    def expect_call(self, *, to: str, timeout: float = WAIT_SECONDS) -> Call:
        def find():
            for call in self.calls:
                if not call.seen and call.to == to:
                    call.seen = True
                    return call
            return None

        return self.wait_for(find, timeout=timeout, what=f"a call to {to}", seen=self._sent)

    def expect_nothing_more(self) -> None:
        unseen = [str(x) for x in [*self.sms, *self.calls] if not x.seen]
        assert not unseen, "unexpected messages:\n" + "\n".join(unseen)

    # --- the phone --------------------------------------------------------------------------

    def signed_post(
        self, url: str, params: dict[str, str], *, auth_token: str | None = None
    ) -> requests.Response:
        """POST as Twilio does: form parameters and X-Twilio-Signature over URL + params."""
        signature = RequestValidator(auth_token or self.auth_token).compute_signature(url, params)
        return requests.post(
            url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
        )

    def deliver_sms(
        self,
        sms: Sms,
        status: str = "delivered",
        error_code: str = "",
        auth_token: str | None = None,
    ) -> requests.Response:
        params = {
            "MessageSid": sms.sid,
            "SmsSid": sms.sid,
            "AccountSid": self.account_sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": sms.to,
            "From": sms.from_,
            "ApiVersion": "2010-04-01",
        }
        if error_code:
            params["ErrorCode"] = error_code
        return self.signed_post(sms.status_callback, params, auth_token=auth_token)

    def reply_sms(
        self, *, from_: str, body: str, auth_token: str | None = None
    ) -> requests.Response:
        sid = new_sid("SM")
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "To": self.number,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        return self.signed_post(
            f"{self.public_base_url}/hooks/twilio/sms", params, auth_token=auth_token
        )

    def _call_params(self, call: Call, status: str) -> dict[str, str]:
        return {
            "CallSid": call.sid,
            "AccountSid": self.account_sid,
            "To": call.to,
            "From": call.from_,
            "CallStatus": status,
            "Direction": "outbound-api",
            "ApiVersion": "2010-04-01",
        }

    def answer_call(self, call: Call) -> str:
        """Pick up: fetch the call's TwiML, as Twilio does when the callee answers."""
        response = self.signed_post(call.url, self._call_params(call, "in-progress"))
        response.raise_for_status()
        call.twiml = response.text
        call.said = [say.text or "" for say in ET.fromstring(call.twiml).iter("Say")]
        return call.twiml

    def press_key(self, call: Call, digits: str) -> str:
        """Press `digits` at the first <Gather> of the call; returns the TwiML answer."""
        return self.key_press(call, digits).text

    def key_press(self, call: Call, digits: str) -> requests.Response:
        """`press_key`, answering the whole HTTP response (its request can be replayed)."""
        if not call.twiml:
            self.answer_call(call)
        gather = next(ET.fromstring(call.twiml).iter("Gather"))
        response = self.signed_post(
            gather.attrib["action"], {**self._call_params(call, "in-progress"), "Digits": digits}
        )
        response.raise_for_status()
        return response

    def complete_call(self, call: Call, status: str = "completed") -> requests.Response:
        """The call ends: completed (answered), no-answer, busy or failed."""
        params = {
            **self._call_params(call, status),
            "CallDuration": "25" if status == "completed" else "0",
        }
        return self.signed_post(call.status_callback, params)


def error(status: int, code: int, message: str) -> Reply:
    return Reply(
        status,
        {
            "code": code,
            "message": message,
            "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
        },
    )
