"""Twilio's HTTP boundary for tests: the real SDK with a recording, scripted HTTP client."""

import json
import logging

from twilio.http import HttpClient
from twilio.http.response import Response


class RecordingHttpClient(HttpClient):
    """Twilio's HTTP boundary: records each request, answers from a script of responses."""

    def __init__(self, *answers: Response | Exception) -> None:
        super().__init__(logging.getLogger("test.twilio"), is_async=False)
        self.answers = list(answers)
        self.requests: list[dict] = []

    def request(  # type: ignore[override]
        self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, **_kw
    ):
        self.requests.append(
            {"method": method, "url": uri, "params": params, "data": data, "auth": auth}
        )
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def twilio_json(status: int, payload: dict) -> Response:
    return Response(status, json.dumps(payload), headers={"Content-Type": "application/json"})
