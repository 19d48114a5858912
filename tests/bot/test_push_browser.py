"""Alerts in the browser, in Chromium: a resident turns them on from a notice page, the city pushes a notice, the
service worker shows it in the resident's language and opens the notice's page.

Chromium here cannot reach a real push service, so the page's ``PushManager`` is a test double that hands out a
subscription made at the sandbox's push service; the push itself really goes there, encrypted and signed, and the
payload it decrypted is given to the service worker as the ``push`` event a browser would dispatch.
"""

from __future__ import annotations

import json
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.database import upgrade_database
from bot.office.services import Services
from bot.settings import load_settings
from channels.base import Batch
from channels.webpush import endpoint_id
from messages.models import Notice
from scheduler.audience import TOPIC_BITS, Subscriber, district_mask
from tests.support.axe import WCAG
from tests.support.console_stack import OUTPUT_DIR, launch_chromium
from tests.support.factories import saved_notice
from tests.support.sandbox import free_port
from tests.support.serving import serve_in_background
from tests.support.webpush import received, sandbox_browser

PUSH_MANAGER_DOUBLE = """
(() => {
  const given = %s;
  let current = null;
  window.__push = { subscribeCalls: [], unsubscribed: false };
  const b64url = (bytes) =>
    btoa(String.fromCharCode(...bytes)).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const subscription = () => ({
    endpoint: given.endpoint,
    expirationTime: null,
    toJSON: () => ({ endpoint: given.endpoint, expirationTime: null, keys: given.keys }),
    unsubscribe: () => { current = null; window.__push.unsubscribed = true; return Promise.resolve(true); },
  });
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
  PushManager.prototype.subscribe = function (options) {
    window.__push.subscribeCalls.push({
      userVisibleOnly: options.userVisibleOnly,
      key: b64url(new Uint8Array(options.applicationServerKey)),
    });
    current = subscription();
    return Promise.resolve(current);
  };
})();
"""

SHOW_PUSH = """async (payload) => {
  self.dispatchEvent(new PushEvent("push", { data: JSON.stringify(payload) }));
  for (let i = 0; i < 50; i += 1) {
    const shown = await self.registration.getNotifications({ tag: payload.tag });
    if (shown.length) {
      const n = shown[0];
      return { title: n.title, body: n.body, tag: n.tag, lang: n.lang, dir: n.dir, icon: n.icon, data: n.data };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}"""

# A synthetic click may not open a window (only a person's may): the worker's clients.openWindow is a double.
CLICK = """async () => {
  let opened = null;
  self.clients.openWindow = (url) => { opened = url; return Promise.resolve(null); };
  const [notification] = await self.registration.getNotifications();
  const click = new NotificationEvent("notificationclick", { notification });
  let pending = Promise.resolve();
  click.waitUntil = (promise) => { pending = promise; };
  self.dispatchEvent(click);
  await pending;
  const left = await self.registration.getNotifications();
  return { opened, left: left.length };
}"""


class PushStack:
    def __init__(self, tmp_path, database_url):
        self.sandbox_port = free_port()
        config = tmp_path / "config.yaml"
        config.write_text(
            f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n"
            f"channels:\n  sandbox:\n    port: {self.sandbox_port}\n  webpush:\n    enabled: true\n",
            encoding="utf-8",
        )
        self.services = Services(load_settings(config, environ={}))
        upgrade_database(self.services.engine)
        self.sandbox = self.services.build_sandbox()
        self.sandbox.serve_in_thread("127.0.0.1", self.sandbox_port)
        self.channel = self.services.channels["webpush"]  # built by the registry from channels.webpush
        self.app = create_app(self.services.settings, self.services, resume_webhook_events=False)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        serve_in_background(self.server)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self):
        self.server.shutdown()
        self.sandbox.stop()
        self.channel.close()
        self.app.extensions["civicast.webhook_executor"].shutdown(wait=True)
        self.services.close()


@pytest.fixture
def stack(tmp_path, database_url, engine):
    built = PushStack(tmp_path, database_url)
    yield built
    built.close()


def the_worker(context):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if context.service_workers:
            return context.service_workers[0]
        time.sleep(0.05)
    raise AssertionError("the service worker was not registered")


def test_a_resident_turns_on_alerts_and_the_browser_shows_the_notice_in_their_language(stack):
    with stack.services.session_factory.begin() as session:
        notice_id = saved_notice(session, stack.services.composer, severity="Extreme").id
    subscription = sandbox_browser(stack.sandbox.url, stack.channel.public_key)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(locale="vi-VN", viewport={"width": 420, "height": 900})
            context.grant_permissions(["notifications"], origin=stack.url)
            context.add_init_script(PUSH_MANAGER_DOUBLE % json.dumps(subscription))
            page = context.new_page()
            page.goto(f"{stack.url}/n/{notice_id}?lang=vi")
            form = page.locator("#push-form")
            expect(form.locator("button[type=submit]")).to_be_enabled()
            expect(form.locator(".push-note")).to_be_hidden()
            expect(form.locator(".push-off")).to_be_hidden()
            form.locator("summary").click()
            form.locator("input[name=district][value=lingya]").check()
            form.locator("input[name=topic][value=health]").uncheck()
            form.locator("button[type=submit]").click()
            expect(form.locator(".push-status")).to_have_text("Đã bật cảnh báo trên trình duyệt này.")
            expect(form.locator(".push-off")).to_be_visible()
            page.screenshot(path=str(OUTPUT_DIR / "push-form-vi.png"), full_page=True)
            calls = page.evaluate("() => window.__push.subscribeCalls")
            assert calls == [{"userVisibleOnly": True, "key": stack.channel.public_key}]

            resident = endpoint_id(subscription["endpoint"])
            with stack.services.session_factory() as session:
                stored = session.scalar(select(Subscriber).where(Subscriber.platform_user_id == resident))
                notice = session.get(Notice, notice_id)
                vi = stack.services.composer.compose(notice, "vi")
            assert stored.channel == "webpush" and stored.language == "vi" and not stored.whole_city
            assert stored.topics == TOPIC_BITS["disaster"] | TOPIC_BITS["transport"]
            assert stored.districts == district_mask(stack.services.glossary, ["lingya"])
            assert stored.address["keys"] == subscription["keys"]

            # The city's side, end to end: the push reaches the push service encrypted, signed with our key.
            stack.channel.send(Batch("browser-delivery", {"vi": vi}, (resident,)))
            (message,) = received(stack.sandbox.url, subscription)
            assert message["urgency"] == "high" and message["vapid"]["aud"] == stack.sandbox.url

            worker = the_worker(context)
            shown = worker.evaluate(SHOW_PUSH, message["payload"])
            assert shown["title"] == vi.title_line and shown["body"].startswith(vi.body)
            assert shown["lang"] == "vi" and shown["tag"] == f"civicast-{vi.identifier}"
            assert shown["data"]["url"] == vi.link and shown["icon"].endswith("/public/static/push-icon.png")
            assert worker.evaluate(CLICK) == {"opened": vi.link, "left": 0}

            form.locator(".push-off").click()
            expect(form.locator(".push-status")).to_have_text("Đã tắt cảnh báo trên trình duyệt này.")
            assert page.evaluate("() => window.__push.unsubscribed") is True
            with stack.services.session_factory() as session:
                gone = session.scalar(select(Subscriber).where(Subscriber.platform_user_id == resident))
                assert gone.status == "inactive" and gone.address is None
        finally:
            browser.close()


def test_a_browser_without_web_push_is_told_so_and_the_page_still_reads(stack):
    with stack.services.session_factory.begin() as session:
        notice_id = saved_notice(session, stack.services.composer).id
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(locale="th-TH")
            context.add_init_script("delete window.PushManager;")
            page = context.new_page()
            page.goto(f"{stack.url}/n/{notice_id}?lang=th")
            expect(page.locator(".push-note")).to_have_text("เบราว์เซอร์นี้รับคำเตือนไม่ได้ คุณยังอ่านประกาศทุกฉบับในหน้าเหล่านี้ได้")
            expect(page.locator("#push-form button[type=submit]")).to_be_disabled()
            expect(page.locator("article.notice h1")).to_be_visible()
        finally:
            browser.close()


def test_the_form_has_no_axe_violations(stack):
    with stack.services.session_factory.begin() as session:
        notice_id = saved_notice(session, stack.services.composer).id
    problems = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_context(bypass_csp=True).new_page()  # axe's script is not ours
            for path in (f"/n/{notice_id}?lang=km", f"/n/{notice_id}?lang=zh-Hant", "/notices?lang=my"):
                page.goto(f"{stack.url}{path}")
                page.locator("#push-form summary").click()  # the districts too
                for violation in Axe().run(page, options=WCAG).response["violations"]:
                    problems.append(f"{path}: {violation['id']} ({violation['impact']}): {violation['help']}")
        finally:
            browser.close()
    assert problems == []
