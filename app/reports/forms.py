"""The dashboard's and the exports' GET parameters: plain links and forms, so every page works without JS."""
from dataclasses import dataclass

from app.forms import clamp_year, db_int
from app.services.reports import SORT_KEYS


@dataclass(frozen=True)
class DashboardArgs:
    year: int
    sort: str
    descending: bool
    all_heat: bool
    page: int = 1

    @classmethod
    def read(cls, args, default_year: int) -> "DashboardArgs":
        sort = args.get("sort", "name")
        return cls(year=clamp_year(args.get("year", type=db_int)) or default_year,
                   sort=sort if sort in SORT_KEYS else "name",
                   descending=args.get("dir") == "desc",
                   all_heat=args.get("heat") == "all", page=args.get("page", 1, type=db_int))

    def link(self, **changes) -> dict:
        """URL arguments of this view with some changed, for url_for()."""
        values = {"year": self.year, "sort": self.sort, "dir": "desc" if self.descending else "asc"}
        if self.all_heat:
            values["heat"] = "all"
        values.update(changes)
        return {key: value for key, value in values.items() if value is not None}

    def sort_link(self, key: str) -> dict:
        """Sorting by `key`: ascending first (descending for numbers), the other way when already sorted."""
        if key == self.sort:
            return self.link(sort=key, dir="asc" if self.descending else "desc")
        return self.link(sort=key, dir="asc" if key == "name" else "desc")
