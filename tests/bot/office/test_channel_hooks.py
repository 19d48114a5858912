"""What every channel's context reads and writes for it: residents' delivery addresses, a resident the platform
says is gone, and the bot's messages counted per channel type."""

from __future__ import annotations

from sqlalchemy import insert, select

from scheduler.audience import TOPIC_BITS, Subscriber, SubscriberStatus
from scheduler.usage import month_of, monthly_messages
from tests.bot.office.conftest import NOW

PUSH_ADDRESS = {"endpoint": "https://push.example/abc", "keys": {"p256dh": "key", "auth": "secret"}}


def add(services, channel, user, address=None):
    row = {
        "channel": channel,
        "platform_user_id": user,
        "language": "en",
        "topics": sum(TOPIC_BITS.values()),
        "whole_city": True,
        "districts": 0,
        "status": "active",
        "address": address,
        "created_at": NOW,
        "updated_at": NOW,
    }
    with services.session_factory.begin() as session:
        session.execute(insert(Subscriber), [row])


def status(services, channel, user):
    with services.session_factory() as session:
        return session.scalar(
            select(Subscriber.status).where(Subscriber.channel == channel, Subscriber.platform_user_id == user)
        )


def test_addresses_are_those_of_the_channel_s_residents_asked_for(services):
    add(services, "browser", "b1", PUSH_ADDRESS)
    add(services, "browser", "b2")  # subscribed before addresses were kept
    add(services, "other", "b1", {"endpoint": "elsewhere"})
    context = services.channel_hooks.context("browser")
    assert context.addresses("browser", ["b1", "b2", "b3"]) == {"b1": PUSH_ADDRESS}
    assert context.addresses("browser", []) == {}


def test_a_forgotten_resident_receives_nothing_more_on_that_channel_only(services):
    add(services, "browser", "b1", PUSH_ADDRESS)
    add(services, "other", "b1")
    services.channel_hooks.context("browser").forget("browser", "b1")
    assert status(services, "browser", "b1") == SubscriberStatus.INACTIVE
    assert status(services, "other", "b1") == SubscriberStatus.ACTIVE


def test_messages_are_counted_under_the_channel_type_that_sent_them(services):
    services.channel_hooks.context("browser").count_sent("push", 2)
    services.channel_hooks.context("browser").count_sent("reply", 1)
    services.flush_message_counts()
    with services.session_factory() as session:
        counted = monthly_messages(session, month_of(NOW), "browser")
        assert (counted.push, counted.reply) == (2, 1)
        assert monthly_messages(session, month_of(NOW), "other").paid == 0
