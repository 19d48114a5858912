"""Console pages beyond notices: translations to review, the bot's FAQ, subscriber figures, the audit log.

Petitions and officers are in ``views_admin``.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import case, func, select

from bot.console import blueprint
from bot.console.auth import current_actor, now, officer_required, services
from bot.console.names import helpers, language_label, page_count
from bot.console.refusals import refusal_text
from bot.console.ui import translate, ui_language
from bot.conversation.models import FaqEntry
from bot.office import translations as office_translations
from bot.office.accounts import Permission, PermissionDenied
from bot.office.audit import AuditAction, entries
from bot.office.translations import FaqEditError, ReviewError
from bot.routing import page_number, requested_page
from messages.i18n import LANGUAGES, UnknownLanguage, get_language
from scheduler.audience import TOPIC_BITS, Subscriber, SubscriberStatus, district_bit

TRANSLATION_PAGE_SIZE = 10  # notices per page
AUDIT_PAGE_SIZE = 50
SUBJECT_TYPES = tuple("notice case translation faq officer api_key channel ingest_rule shelter agency".split())


# ----------------------------------------------------------------------------- translations


def _translations_page(
    *, errors: dict[int, str] | None = None, values: dict[int, str] | None = None, status: int = 200
) -> tuple[str, int]:
    page = requested_page()
    with services().session_factory() as session:
        groups, total = office_translations.pending_translations(
            session, limit=TRANSLATION_PAGE_SIZE, offset=(page - 1) * TRANSLATION_PAGE_SIZE
        )
        if not groups and page > page_count(total, TRANSLATION_PAGE_SIZE):  # the last one on this page was done
            page = page_count(total, TRANSLATION_PAGE_SIZE)
            groups, total = office_translations.pending_translations(
                session, limit=TRANSLATION_PAGE_SIZE, offset=(page - 1) * TRANSLATION_PAGE_SIZE
            )
        for notice, _rows in groups:
            _ = notice.free_text  # loaded while the session is open
    return render_template(
        "console/translations.html",
        title=translate("translations.title"),
        groups=groups,
        total=total,
        page=page,
        pages=page_count(total, TRANSLATION_PAGE_SIZE),
        errors=errors or {},
        values=values or {},
        **helpers(),
    ), status


@blueprint.get("/translations")
@officer_required()
def translations() -> Any:
    return _translations_page()


@blueprint.route("/translations/<int:translation_id>", methods=["GET", "POST"])
@officer_required(Permission.REVIEW_TRANSLATIONS)
def review_translation(translation_id: int) -> Any:
    if request.method == "GET":  # e.g. the language switch after a refused review: back to the list
        return redirect(url_for("console.translations"))
    text = request.form.get("text", "")
    try:
        with services().session_factory.begin() as session:
            row = office_translations.review_translation(session, current_actor(), translation_id, text, now=now())
            notice_id, language = row.notice_id, row.language
    except ReviewError as exc:
        if exc.code == "missing":
            abort(404)
        message = translate(f"review_error.{exc.code}")
        return _translations_page(errors={translation_id: message}, values={translation_id: text}, status=422)
    flash(translate("translations.saved", id=notice_id, language=language_label(language)), "success")
    return redirect(url_for("console.translations", page=page_number(request.form.get("page")) or 1), 303)


# ----------------------------------------------------------------------------- FAQ


def _faq_rows() -> list[FaqEntry]:
    with services().session_factory() as session:
        return list(session.scalars(select(FaqEntry).order_by(FaqEntry.category, FaqEntry.key)))


@blueprint.get("/faq")
@officer_required()
def faq() -> Any:
    lang = request.args.get("lang") or ""
    lang = lang if lang in LANGUAGES else ""
    category = request.args.get("category") or ""
    missing = bool(request.args.get("missing")) and bool(lang)
    search = " ".join((request.args.get("q") or "").split())
    by_key: dict[str, dict[str, FaqEntry]] = {}
    categories: dict[str, str] = {}
    for row in _faq_rows():
        by_key.setdefault(row.key, {})[row.language] = row
        categories.setdefault(row.key, row.category)
    wanted = search.casefold()
    items = []
    for key, versions in by_key.items():
        if category and categories[key] != category:
            continue
        if lang and (lang in versions) == missing:
            continue
        searched = [versions[lang]] if lang and not missing else list(versions.values())
        if (
            wanted
            and wanted not in key.casefold()
            and not any(wanted in " ".join([*v.questions, v.answer]).casefold() for v in searched)
        ):
            continue
        shown = versions.get(lang) or versions.get(ui_language()) or versions.get("en") or next(iter(versions.values()))
        items.append(
            {
                "key": key,
                "category": categories[key],
                "shown": shown,
                "present": [code for code in LANGUAGES if code in versions],
                "missing": [code for code in services().settings.languages if code not in versions],
            }
        )
    return render_template(
        "console/faq.html",
        title=translate("faq.title"),
        items=items,
        total=len(by_key),
        lang=lang,
        category=category,
        missing=missing,
        search=search,
        categories=sorted(set(categories.values())),
        languages=list(LANGUAGES),
        **helpers(),
    )


def _faq_entry_page(
    key: str, lang: str, *, form: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    with services().session_factory() as session:
        versions = {row.language: row for row in session.scalars(select(FaqEntry).where(FaqEntry.key == key))}
    if not versions:
        abort(404)
    entry = versions.get(lang)
    if form is None:
        form = {"questions": "\n".join(entry.questions) if entry else "", "answer": entry.answer if entry else ""}
    references = [versions[code] for code in ("en", "zh-Hant") if code in versions and code != lang]
    category = next(iter(versions.values())).category
    heading = translate(
        "faq_entry.title_edit" if entry else "faq_entry.title_new", key=key, language=language_label(lang)
    )
    return render_template(
        "console/faq_entry.html",
        title=heading,
        key=key,
        lang=lang,
        entry=entry,
        category=category,
        form=form,
        errors=errors or {},
        references=references,
        present=[code for code in LANGUAGES if code in versions],
        **helpers(),
    ), status


@blueprint.route("/faq/<key>/<lang>", methods=["GET", "POST"])
@officer_required(Permission.EDIT_FAQ)
def faq_entry(key: str, lang: str) -> Any:
    try:
        lang = get_language(lang).code
    except UnknownLanguage:
        abort(404)
    if request.method == "GET":
        return _faq_entry_page(key, lang)
    form = {"questions": request.form.get("questions", ""), "answer": request.form.get("answer", "")}
    try:
        with services().session_factory.begin() as session:
            _entry, created = office_translations.save_faq_entry(
                session,
                current_actor(),
                key,
                lang,
                questions=office_translations.questions_from_lines(form["questions"]),
                answer=form["answer"],
                now=now(),
            )
    except FaqEditError as exc:
        if exc.errors.get("_") in ("unknown_key", "unknown_language"):
            abort(404)
        errors = {field: translate(f"faq_error.{field}_{code}") for field, code in exc.errors.items()}
        return _faq_entry_page(key, lang, form=form, errors=errors, status=422)
    reload_faq_index()
    flash(
        translate("faq_entry.saved_new" if created else "faq_entry.saved", key=key, language=language_label(lang)),
        "success",
    )
    return redirect(url_for("console.faq_entry", key=key, lang=lang), 303)


def reload_faq_index() -> None:
    """The bot answers from the edited FAQ at once in this process; others see the edit within
    ``bot.conversation.faq.CHECK_EVERY_S`` seconds."""
    engine = services().__dict__.get("conversation_engine")  # not built yet: it will read the FAQ when it is
    index = getattr(engine, "faq", None)
    if index is not None and hasattr(index, "reload"):
        index.reload()


# ----------------------------------------------------------------------------- subscribers


def subscriber_figures() -> dict[str, Any]:
    """Active subscribers by channel and language, by topic and district; two grouped queries."""
    svc = services()
    districts = [term.key for term in svc.glossary.terms("district")]
    active = Subscriber.status == SubscriberStatus.ACTIVE.value

    def count_where(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    columns = [
        func.count(),
        count_where(Subscriber.whole_city.is_(True)),
        count_where(Subscriber.test_recipient.is_(True)),
    ]
    columns += [count_where(Subscriber.topics.op("&")(bit) != 0) for bit in TOPIC_BITS.values()]
    columns += [
        count_where(
            Subscriber.whole_city.is_(False) & (Subscriber.districts.op("&")(district_bit(svc.glossary, key)) != 0)
        )
        for key in districts
    ]
    with svc.session_factory() as session:
        grouped = session.execute(
            select(Subscriber.channel, Subscriber.language, Subscriber.status, func.count()).group_by(
                Subscriber.channel, Subscriber.language, Subscriber.status
            )
        ).all()
        row = session.execute(select(*columns).where(active)).one()
    figures = [int(value or 0) for value in row]
    active_total, whole_city, test_recipients = figures[:3]
    topics = dict(zip([str(topic) for topic in TOPIC_BITS], figures[3 : 3 + len(TOPIC_BITS)], strict=True))
    by_district = dict(zip(districts, figures[3 + len(TOPIC_BITS) :], strict=True))
    channels: list[str] = sorted({c for c, _l, _s, _n in grouped})
    languages: list[str] = sorted(
        {lang for _c, lang, s, _n in grouped if s == SubscriberStatus.ACTIVE.value},
        key=lambda code: (list(LANGUAGES).index(code) if code in LANGUAGES else 99, code),
    )
    table = {(c, lang): n for c, lang, s, n in grouped if s == SubscriberStatus.ACTIVE.value}
    return {
        "channels": channels,
        "languages": languages,
        "table": table,
        "by_channel": {c: sum(n for (ch, _l), n in table.items() if ch == c) for c in channels},
        "by_language": {lang: sum(n for (_c, la), n in table.items() if la == lang) for lang in languages},
        "active": active_total,
        "inactive": sum(n for _c, _l, s, n in grouped if s != SubscriberStatus.ACTIVE.value),
        "whole_city": whole_city,
        "test_recipients": test_recipients,
        "topics": topics,
        "districts": by_district,
    }


@blueprint.get("/subscribers")
@officer_required()
def subscribers() -> Any:
    return render_template(
        "console/subscribers.html", title=translate("subscribers.title"), figures=subscriber_figures(), **helpers()
    )


# ----------------------------------------------------------------------------- audit log


def subject_link(entry: Any) -> str | None:
    """Where the audit entry's subject is shown in the console, if it is shown."""
    kind, subject = entry.subject_type, entry.subject_id
    if kind == "notice" and subject.isdigit():
        return url_for("console.notice", notice_id=int(subject))
    if kind == "case":
        return url_for("console.case", number=subject)
    if kind == "translation" and str((entry.detail or {}).get("notice_id", "")).isdigit():
        return url_for("console.notice", notice_id=int(entry.detail["notice_id"]))
    if kind == "faq" and "/" in subject:
        key, lang = subject.rsplit("/", 1)
        return url_for("console.faq_entry", key=key, lang=lang)
    if kind == "ingest_rule":
        return url_for("console.ingest_rules")
    if kind == "shelter":
        return url_for("console.shelters")
    if kind in ("officer", "api_key") and current_actor().can(Permission.MANAGE_OFFICERS):
        return url_for("console.officers")
    return None


@blueprint.get("/audit")
@officer_required()
def audit() -> Any:
    filters = {
        name: (request.args.get(name) or "").strip() for name in ("actor", "action", "subject_type", "subject_id")
    }
    page = requested_page()
    with services().session_factory() as session:
        rows, total = entries(
            session,
            actor=filters["actor"] or None,
            action=filters["action"] or None,
            subject_type=filters["subject_type"] or None,
            subject_id=filters["subject_id"] or None,
            limit=AUDIT_PAGE_SIZE,
            offset=(page - 1) * AUDIT_PAGE_SIZE,
        )
        rows = list(rows)
    return render_template(
        "console/audit.html",
        title=translate("audit.title"),
        rows=rows,
        total=total,
        page=page,
        pages=page_count(total, AUDIT_PAGE_SIZE),
        filters=filters,
        actions=[a.value for a in AuditAction],
        subject_types=SUBJECT_TYPES,
        subject_link=subject_link,
        **helpers(),
    )


@blueprint.errorhandler(PermissionDenied)
def _permission_denied(exc: PermissionDenied) -> tuple[str, int]:
    return render_template(
        "console/error.html",
        title=translate("error.forbidden_title"),
        message=translate("error.forbidden", permission=refusal_text(exc)),
    ), 403
