"""Storing a read shelter list: new shelters added, changed ones updated, none duplicated.

The caller owns the transaction: ``civicast shelters import`` stores a whole file in one, so a file that fails
half-way leaves the stored list as it was.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.shelters.csv_file import RowProblem, ShelterFile, ShelterRow
from bot.shelters.models import Shelter, folded_name, identity_of
from messages.plurals import counted
from messages.said import Said, count_of

# The columns a new release may change for a shelter it lists again (its identity stays).
_DATA_FIELDS = (
    "village",
    "lat",
    "lon",
    "villages_served",
    "capacity",
    "hazards",
    "manager_name",
    "manager_phone",
    "indoor",
    "outdoor",
    "vulnerable_ok",
)


@dataclass
class ImportReport:
    imported: int = 0  # new shelters
    updated: int = 0
    unchanged: int = 0
    refused: int = 0  # Kaohsiung rows not imported (their line says why)
    other_counties: int = 0
    withdrawn: int = 0  # stored shelters the file no longer lists
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def with_notes(self) -> int:
        return len({p.line for p in self.problems if not p.refused})

    def reported_lines(self, *, shown_per_county: int = 3) -> list[str]:
        """One line per refused row and per row imported with a note; rows of other counties (most of the national
        list) one line per county, naming its first rows, so the rows to fix are not buried among them."""
        lines = [str(problem) for problem in self.problems if not problem.other_county]
        skipped: dict[str, list[int]] = {}
        for problem in self.problems:
            if problem.other_county:
                skipped.setdefault(problem.other_county, []).append(problem.line)
        for county, numbers in skipped.items():
            shown = ", ".join(map(str, numbers[:shown_per_county])) + (", …" if len(numbers) > shown_per_county else "")
            lines.append(
                f"{'line' if len(numbers) == 1 else 'lines'} {shown}: skipped: "
                f"{counted(len(numbers), 'row', 'rows')} of {county}, not Kaohsiung"
            )
        return lines

    def summary(self) -> Said:
        with_notes = count_of("n.rows", self.with_notes, "row", "rows")
        other_counties = count_of("n.rows", self.other_counties, "row", "rows")
        withdrawn = count_of("n.shelters", self.withdrawn, "shelter", "shelters")
        return Said(
            f"{self.imported:,} imported, {self.updated:,} updated, {self.unchanged:,} unchanged, "
            f"{self.refused:,} refused ({with_notes} imported with a note; "
            f"{other_counties} of other counties skipped; {withdrawn} no longer listed)",
            "shelters.imported",
            imported=self.imported,
            updated=self.updated,
            unchanged=self.unchanged,
            refused=self.refused,
            with_notes=with_notes,
            other_counties=other_counties,
            withdrawn=withdrawn,
        )


def _values(row: ShelterRow) -> dict[str, object]:
    return {name: getattr(row, name) for name in _DATA_FIELDS}


def import_shelters(session: Session, shelter_file: ShelterFile, *, now: datetime) -> ImportReport:
    """Add or update every good row; mark stored shelters the file no longer lists as withdrawn (a refused row's
    shelter keeps what was stored of it). A shelter's open state is never changed by an import."""
    report = ImportReport(problems=list(shelter_file.problems))
    report.other_counties = sum(1 for p in shelter_file.problems if p.other_county)
    report.refused = len({p.line for p in shelter_file.problems if p.refused and not p.other_county})
    stored = {shelter.identity: shelter for shelter in session.scalars(select(Shelter))}
    seen: dict[str, int] = {}
    for row in shelter_file.rows:
        identity = identity_of(row.county, row.town, row.name, row.address)
        if identity in seen:
            report.problems.append(
                RowProblem(
                    row.line,
                    f"{row.name}: the same shelter as line {seen[identity]} (same district, name and address)",
                    refused=True,
                )
            )
            report.refused += 1
            continue
        seen[identity] = row.line
        shelter = stored.get(identity)
        values = _values(row)
        if shelter is None:
            session.add(
                Shelter(
                    identity=identity,
                    serial=row.serial,
                    county=row.county,
                    town=row.town,
                    district=row.district,
                    name=row.name,
                    name_key=folded_name(row.name),
                    address=row.address,
                    imported_at=now,
                    updated_at=now,
                    **values,
                )
            )
            report.imported += 1
            continue
        changed = {name: value for name, value in values.items() if getattr(shelter, name) != value}
        shelter.serial = row.serial  # renumbered in every release: stored, but not a change worth counting
        if changed or shelter.withdrawn_at is not None:
            for name, value in changed.items():
                setattr(shelter, name, value)
            shelter.withdrawn_at = None
            shelter.updated_at = now
            report.updated += 1
        else:
            report.unchanged += 1
    if not shelter_file.rows:
        return _sorted(report)  # a file with no good Kaohsiung row is not a list that withdrew every shelter
    kept = seen.keys() | {identity_of(*named) for named in shelter_file.refused_identities}
    for identity, shelter in stored.items():
        if identity not in kept and shelter.withdrawn_at is None:
            shelter.withdrawn_at = now
            report.withdrawn += 1
    return _sorted(report)


def _sorted(report: ImportReport) -> ImportReport:
    report.problems.sort(key=lambda p: p.line)
    return report


def district_counts(session: Session) -> Counter[str]:
    """Listed shelters per district key."""
    return Counter(session.scalars(select(Shelter.district).where(Shelter.withdrawn_at.is_(None))))
