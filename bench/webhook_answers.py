"""The answering half of ``bench/webhook.py``: how fast stored events are answered, and how soon.

Three measurements, in the run that also measured the webhook itself:

* the sandbox's own ceiling: reply requests/s it takes from a bare keep-alive HTTP client (the
  sandbox shares the machine's two cores, so this bounds what civicast could reach here);
* the drain: ``civicast webhook-worker`` processes answering a stored backlog, timed between
  10 % and 90 % of it (the sustained rate, without the processes' start-up);
* a steady offered load (300 events/s for 60 s by default) with the workers running: for each
  event, from the webhook POST to the sandbox's record of the reply it accepted for that event's
  reply token.

Every event carries a reply token the sandbox issued, so a push is a real fallback (a token
that expired, or a reply LINE refused), and is counted.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
from collections.abc import Callable

REPLY_BODY = {
    "messages": [
        {
            "type": "text",
            "text": "The 1999 hotline answers around the clock.",
            "quickReply": {
                "items": [
                    {
                        "type": "action",
                        "action": {
                            "type": "postback",
                            "label": label,
                            "data": f"action={label.lower()}",
                            "displayText": label,
                        },
                    }
                    for label in ("Ask", "Menu")
                ]
            },
        }
    ]
}


def sandbox_json(port: int, method: str, path: str, body: object | None = None) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            method, path, body=None if body is None else json.dumps(body), headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"sandbox {method} {path}: {response.status} {data[:200]!r}")
        return json.loads(data)
    finally:
        connection.close()


def issue_tokens(port: int, user_ids: list[str]) -> list[str]:
    tokens: list[str] = []
    for start in range(0, len(user_ids), 5000):
        tokens += sandbox_json(port, "POST", "/sandbox/line/reply-tokens", {"userIds": user_ids[start : start + 5000]})[
            "replyTokens"
        ]
    return tokens


def sandbox_stats(port: int) -> dict:
    return sandbox_json(port, "GET", "/sandbox/line/summary")["stats"]


def reply_ceiling(port: int, access_token: str, user_id: str, *, seconds: float, concurrency: int) -> float:
    """Reply requests/s the sandbox accepts from bare keep-alive connections (each with a token it issued)."""
    per_thread = 20_000
    tokens = issue_tokens(port, [user_id] * per_thread * concurrency)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {access_token}"}
    done = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(mine: list[str]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        count = 0
        for token in mine:
            if time.perf_counter() >= deadline:
                break
            connection.request(
                "POST", "/v2/bot/message/reply", headers=headers, body=json.dumps({"replyToken": token, **REPLY_BODY})
            )
            response = connection.getresponse()
            response.read()
            count += response.status == 200
        with lock:
            done[0] += count

    started = time.perf_counter()
    threads = [
        threading.Thread(target=client, args=(tokens[i * per_thread : (i + 1) * per_thread],))
        for i in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.perf_counter() - started)


def drain(total: int, handled: Callable[[], int], *, timeout_s: float, cpu: Callable[[], dict[str, float]]) -> dict:
    """Watch the backlog being answered: the sustained rate between 10 % and 90 % of it, and overall;
    and the CPU the answering processes spent per event in that stretch (less noisy than rates on a shared host)."""
    started = time.perf_counter()
    samples = [(0.0, 0, cpu())]
    while samples[-1][1] < total and time.perf_counter() - started < timeout_s:
        time.sleep(0.5)
        samples.append((time.perf_counter() - started, handled(), cpu()))
    low = next((s for s in samples if s[1] >= total * 0.1), samples[0])
    high = next((s for s in samples if s[1] >= total * 0.9), samples[-1])
    count = high[1] - low[1]
    sustained = count / (high[0] - low[0]) if high[0] > low[0] else 0.0
    elapsed = samples[-1][0]
    return {
        "answered": samples[-1][1],
        "of": total,
        "seconds": round(elapsed, 1),
        "answered_events_per_s": round(sustained),
        "overall_events_per_s": round(samples[-1][1] / elapsed),
        "cpu_ms_per_event": {
            name: round((high[2][name] - low[2][name]) / count * 1000, 2) if count else None for name in high[2]
        },
    }


def interleaved(scripts: list[list[dict]], group: int) -> list[dict]:
    """Events in the order residents send them: `group` residents at a time, each one's events in order,
    spaced `group` events apart (so one resident writes about once a second at 300 events/s)."""
    ordered = []
    for start in range(0, len(scripts), group):
        batch = scripts[start : start + group]
        for step in range(max(len(script) for script in batch)):
            ordered += [script[step] for script in batch if step < len(script)]
    return ordered


def _p99_ms(latencies: list[float]) -> int | str:
    p99 = sorted(latencies)[int(0.99 * (len(latencies) - 1))]
    return "unanswered" if math.isinf(p99) else round(p99 * 1000)


def steady_load(
    web_port: int,
    sandbox_port: int,
    events: list[dict],
    sign: Callable[[dict], tuple[bytes, str]],
    *,
    rate: float,
    senders: int,
    group: int,
    cpu: Callable[[], dict[str, float]],
    settle_s: float = 20,
) -> dict:
    """Offer `events` at `rate`/s; from each webhook POST to the sandbox's acceptance of its reply."""
    posted_at: dict[str, float] = {}
    failures = [0]
    lock = threading.Lock()
    position = [0]
    tokens_ready: dict[int, threading.Event] = {}

    # Tokens are issued a group at a time, just before the group's events are due (they live a minute).
    def issue(start: int) -> None:
        chunk = events[start : start + group * 8]
        for event, token in zip(chunk, issue_tokens(sandbox_port, [e["source"]["userId"] for e in chunk]), strict=True):
            event["replyToken"] = token
        tokens_ready[start].set()

    for start in range(0, len(events), group * 8):
        tokens_ready[start] = threading.Event()
    issue(0)
    started = time.perf_counter() + 0.2

    def sender() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", web_port, timeout=30)
        while True:
            with lock:
                index = position[0]
                position[0] += 1
            if index >= len(events):
                return
            chunk = index - index % (group * 8)
            if index == chunk + group * 4 and chunk + group * 8 in tokens_ready:  # halfway: the next group's tokens
                threading.Thread(target=issue, args=(chunk + group * 8,), daemon=True).start()
            tokens_ready[chunk].wait()
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body, signature = sign(events[index])
            at = time.time()
            connection.request(
                "POST",
                "/webhooks/line",
                body=body,
                headers={"Content-Type": "application/json", "X-Line-Signature": signature},
            )
            response = connection.getresponse()
            response.read()
            with lock:
                posted_at[events[index]["replyToken"]] = at
                failures[0] += response.status != 200

    before = sandbox_stats(sandbox_port)
    cpu_before = cpu()
    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    offered_s = time.perf_counter() - started
    deadline = time.perf_counter() + settle_s
    while True:  # the last events are answered
        replied = sandbox_json(sandbox_port, "GET", "/sandbox/line/replies")["repliedAt"]
        after = sandbox_stats(sandbox_port)
        answered = sum(token in replied for token in posted_at)
        pushes = after.get("push_requests", 0) - before.get("push_requests", 0)
        if answered + pushes >= len(posted_at) or time.perf_counter() > deadline:
            break
        time.sleep(0.5)
    latencies = sorted(replied[token] - at for token, at in posted_at.items() if token in replied)
    cpu_after = cpu()
    # The p99 of each 10 s of offered load (by when the event was posted): a queue that grows shows as a
    # rising line, a stall of the host or the database as one bad window.
    first = min(posted_at.values(), default=0.0)
    windows: dict[int, list[float]] = {}
    for token, at in posted_at.items():
        windows.setdefault(int((at - first) // 10), []).append(replied[token] - at if token in replied else math.inf)

    def pct(share: float) -> float | None:
        return round(latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000, 1) if latencies else None

    return {
        "offered_events_per_s": round(len(posted_at) / offered_s),
        "seconds": round(offered_s, 1),
        "events": len(posted_at),
        "webhook_failed": failures[0],
        "replied": answered,
        "pushed": pushes,
        "unanswered": len(posted_at) - answered - pushes,
        "receipt_to_reply_ms": {"p50": pct(0.50), "p99": pct(0.99), "max": pct(1.0)},
        "p99_ms_by_10_s": [_p99_ms(window) for _, window in sorted(windows.items())],
        "cpu_ms_per_event": {
            name: round((cpu_after[name] - cpu_before[name]) / max(1, len(posted_at)) * 1000, 2) for name in cpu_after
        },
    }
