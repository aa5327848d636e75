"""A real OpenADR 2.0b VTN (OpenLEADR's `OpenADRServer`) on loopback, in a thread of its own,
that records every answer a VEN sends it: the test's utility.

    vtn = Vtn2b()
    vtn.wait_for_registration()
    vtn.add_event("ev-1", starts_in=timedelta(minutes=30), mw=12.5)
    vtn.expect_opt("ev-1", "optIn")
"""

import asyncio
import dataclasses
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from openleadr import OpenADRServer, objects, utils

from tests.e2e.stack import free_port

VEN_ID = "ven-edrops-1"
REGISTRATION_ID = "reg-edrops-1"


@dataclass(frozen=True)
class Answer:
    event_id: str
    modification_number: int
    opt: str


class Vtn2b:
    def __init__(self, *, poll_seconds: int = 1, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/OpenADR2/Simple/2.0b"
        self.poll_seconds = poll_seconds
        self.registered: list[str] = []  # VEN names
        self.answers: list[Answer] = []  # every oadrCreatedEvent's event responses, in order
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True, name="vtn2b")
        self.thread.start()
        if not self.started.wait(10):
            raise RuntimeError("the VTN did not start")

    # --- the VTN's thread -------------------------------------------------------------------

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = OpenADRServer(
            vtn_id="TEST-VTN",
            http_host="127.0.0.1",
            http_port=self.port,
            requested_poll_freq=timedelta(seconds=self.poll_seconds),
            show_server_cert_domain=False,
        )
        self.server.add_handler("on_create_party_registration", self._on_registration)
        events = self.server.services["event_service"]
        answered = events.handlers["oadrCreatedEvent"]

        async def record(payload):
            for response in payload.get("event_responses") or []:
                self.answers.append(
                    Answer(
                        response["event_id"],
                        int(response["modification_number"]),
                        response["opt_type"],
                    )
                )
            return await answered(payload)

        events.handlers["oadrCreatedEvent"] = record
        self.loop.run_until_complete(self.server.run_async())
        self.started.set()
        self.loop.run_forever()

    async def _on_registration(self, registration_info):
        self.registered.append(registration_info["ven_name"])
        return VEN_ID, REGISTRATION_ID

    def _call(self, function, *args, **kwargs):
        """Run `function` on the VTN's loop (OpenLEADR's state is not thread-safe)."""

        async def call():
            return function(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(10)

    # --- the utility's side -----------------------------------------------------------------

    def wait_for_registration(self, timeout: float = 30) -> None:
        wait_until(lambda: self.registered, timeout, "the VEN to register")

    def add_event(
        self,
        event_id: str,
        *,
        starts_in: timedelta,
        duration: timedelta = timedelta(hours=1),
        mw: float = 12.5,
        market_context: str = "oadr://pjm.example/programs/load-management",
    ) -> None:
        interval = objects.Interval(
            dtstart=datetime.now(UTC) + starts_in, duration=duration, signal_payload=mw * 1000
        )
        measurement = objects.Measurement(
            name="powerReal", description="RealPower", unit="W", scale="k",
            power_attributes=objects.PowerAttributes(hertz=60, voltage=120, ac=True),
        )  # fmt: skip

        def add():
            self.server.add_event(
                ven_id=VEN_ID,
                signal_name="LOAD_DISPATCH",
                signal_type="setpoint",
                intervals=[interval],
                callback=lambda ven_id, event_id, opt_type: None,
                event_id=event_id,
                market_context=market_context,
            )
            signal = utils.getmember(self._event(event_id), "event_signals")[0]
            utils.setmember(signal, "measurement", dataclasses.asdict(measurement))

        self._call(add)

    def modify_event(self, event_id: str, *, starts_in: timedelta) -> None:
        """A new start: the modificationNumber goes up, the VEN hears it at its next poll."""

        def modify():
            event = self._event(event_id)
            start = datetime.now(UTC) + starts_in
            utils.setmember(event, "active_period.dtstart", start)
            signal = utils.getmember(event, "event_signals")[0]
            for interval in utils.getmember(signal, "intervals"):
                utils.setmember(interval, "dtstart", start)
            utils.increment_event_modification_number(event)
            self.server.events_updated[VEN_ID] = True

        self._call(modify)

    def cancel_event(self, event_id: str) -> None:
        self._call(self.server.cancel_event, VEN_ID, event_id)

    def modification_number(self, event_id: str) -> int:
        return utils.getmember(self._event(event_id), "event_descriptor.modification_number")

    def _event(self, event_id: str):
        return utils.find_by(self.server.events[VEN_ID], "event_descriptor.event_id", event_id)

    def opts(self, event_id: str) -> list[str]:
        return [a.opt for a in self.answers if a.event_id == event_id]

    def expect_opt(self, event_id: str, opt: str, timeout: float = 10) -> Answer:
        return wait_until(
            lambda: next(
                (a for a in self.answers if a.event_id == event_id and a.opt == opt), None
            ),
            timeout,
            f"the VEN to answer {opt} for {event_id} (it answered {self.opts(event_id)})",
        )

    def stop(self) -> None:
        """Kill it: the VEN's polls go unanswered from now on."""
        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
    return result
