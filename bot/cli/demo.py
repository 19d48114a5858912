"""``civicast demo``: the whole path of a notice on the embedded default, with progress bars."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from bot.cli.base import AppContext, RuntimeFailure, UserError
from messages.plurals import counted


@click.command("demo")
@click.option("--subscribers", default=10_000, show_default=True, type=click.IntRange(1, 5_000_000))
@click.option("--json", "as_json", is_flag=True, help="Print the delivery report as JSON.")
@click.pass_obj
def demo_command(app: AppContext, subscribers: int, as_json: bool) -> None:
    """Run the whole path on the embedded default: residents, a typhoon warning, LINE, Facebook, cable."""
    from bot.demo import DemoRefused, run_demo

    bars: dict[str, Any] = {}  # click's progress bars (its ProgressBar class is private)

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = click.progressbar(length=total, label=f"{stage:<10}", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.render_finish()

    try:
        report = run_demo(app.settings, subscribers=subscribers, progress=progress)
    except DemoRefused as exc:
        raise UserError(f"demo refused: {exc}") from None
    except OSError as exc:
        raise RuntimeFailure(f"demo could not run: {exc}") from None
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    line = report["channels"]["line"]
    click.echo(f"notice {report['notice_id']} ({report['identifier']}) in {report['elapsed_s']} s")
    click.echo(
        f"LINE: {line['sent']} of {line['targeted']} residents reached, {line['failed']} failed, {line['dead']} dead"
    )
    for language, row in sorted(line["languages"].items()):
        click.echo(f"  {language:<8} {row['sent']:>7} / {row['targeted']}")
    facebook = report["channels"].get("facebook", {})
    posts = counted(facebook.get("sent", 0), "page post", "page posts")
    click.echo(f"Facebook: {posts} {', '.join(facebook.get('post_ids', []))}")
    cable = report["channels"]["cable_tv"]
    click.echo(f"Cable TV: {'on air' if cable['on_air'] else 'NOT on air'}: {cable['crawl_line_en']}")
