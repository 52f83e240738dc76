"""The rows of the ranking table, written in Python (issue 13: at 10,000 rows the template's
per-cell variable lookups and filter chains were most of the page's time). The markup is the
one reviews/ranking_row.html had; the words are translated once per page and repeated
figures (scores) are formatted once per value."""

import html

from django import template
from django.middleware.csrf import get_token
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, gettext_noop

from portal import formatting

register = template.Library()


def escape(value) -> str:
    """django.utils.html.escape without its lazy-string wrapper: it runs for every cell."""
    return html.escape(str(value))


_DECISION_BADGE = {"award": "text-bg-success", "reserve": "text-bg-info"}


class _Page:
    """What every row of one rendering shares: words, labels, the CSRF field, format caches."""

    def __init__(self, context):
        request = context.get("request")
        self.language = get_language()
        self.ranking = context["ranking"]
        self.call = context["call"]
        self.grant_forms = context.get("grant_forms") or {}
        token = get_token(request) if request is not None else context.get("csrf_token", "")
        self.csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
        self.labels = {pk: escape(label) for pk, label in self.ranking.criterion_labels.items()}
        self.titles = {c.pk: escape(c.title) for c in self.ranking.criteria}
        self.required = escape(self.call.reviews_required)
        words = {
            "consensus_score": gettext_noop("consensus score"),
            "consensus": gettext_noop("cons."),
            "disagree": gettext_noop("reviewers disagree"),
            "median": gettext_noop("median"),
            "not_applicable": gettext_noop("n/a"),
            "update": gettext_noop("Update"),
            "spread": gettext_noop("spread"),
            "tie": gettext_noop("tie"),
            "tie_rule": gettext_noop("Tie:"),
            "what_if": gettext_noop("what-if amount (empty: the requested amount)"),
            "below_line": gettext_noop("funded (fits below the line)"),
            "reserve_decided": gettext_noop("reserve (decided)"),
            "fits_now": gettext_noop("fits the freed budget"),
            "not_published": gettext_noop("not published"),
            "change": gettext_noop("Change"),
            "decide": gettext_noop("Decide"),
            "reviews_missing": gettext_noop("reviews missing"),
        }
        self.t = {key: escape(gettext(message)) for key, message in words.items()}
        language = self.language
        # Each distinct value is formatted (and escaped) once per page: a large call repeats the same few.
        self._numbers = _Formatted(lambda key: floatformat(*key))
        self._money = _Formatted(lambda value: formatting.money(value, language))
        self._percent = _Formatted(lambda value: formatting.percent(value, language))
        self._scores = {}

    def number(self, value, arg):
        """{{ value|floatformat:arg }}."""
        return self._numbers[value, arg]

    def money(self, value):
        return self._money[value]

    def percent(self, value):
        return self._percent[value]


class _Formatted(dict):
    """Escaped texts by value, each made by `make` the first time it is asked for."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        text = self[key] = escape(self.make(key))
        return text


def _page(context) -> _Page:
    page = context.render_context.get("ranking_rows_page")
    if page is None:
        page = context.render_context["ranking_rows_page"] = _Page(context)
    return page


def reviews_cell(page, row) -> str:
    html = f'<span class="text-nowrap">{escape(row.review_count)}/{page.required}</span>'
    if row.reviews_missing:
        html += f' <span class="badge text-bg-warning" data-testid="missing-reviews">{page.t["reviews_missing"]}</span>'
    return html


def decision_cell(page, row) -> str:
    t, outcome, reference = page.t, row.outcome, escape(row.reference)
    html = ""
    if outcome:
        badge = _DECISION_BADGE.get(outcome, "text-bg-secondary")
        html = f'<span class="badge {badge}">{escape(row.outcome_label)}</span>'
        if not row.published:
            html += f' <span class="small text-body-secondary">{t["not_published"]}</span>'
    word = t["change"] if outcome else t["decide"]
    html += (
        f'\n<a class="small d-block" href="{escape(row.decide_url)}">{word}'
        f'<span class="visually-hidden"> {reference}</span></a>\n'
    )
    return html


def _scores(page, row) -> str:
    parts, spread = [], []
    for score in row.criteria:
        # A large call repeats the same few figures: each criterion's item is written once per page.
        key = (score.criterion.pk, score.applies, score.final, score.median, score.minimum, score.maximum)
        key += (score.count, score.consensus, score.disagreement)  # what the item shows
        item = page._scores.get(key)
        if item is None:
            item = page._scores[key] = _score_item(page, score)
        parts.append(item[0])
        if item[1]:
            spread.append(item[1])
    html = '<ul class="list-unstyled mb-0 ranking-scores">\n    ' + "".join(parts) + "\n    </ul>\n    "
    if row.review_count:
        html += (
            f'<details class="ranking-spread small">\n      <summary>{page.t["spread"]}</summary>\n'
            f'      <ul class="list-unstyled mb-0">{"".join(spread)}</ul>\n    </details>'
        )
    return html


def _score_item(page, score) -> tuple[str, str]:
    """The item of one criterion's score in the scores list, and its item in the spread list."""
    t, pk, spread = page.t, score.criterion.pk, ""
    item = f'<li><abbr title="{page.titles[pk]}">{page.labels[pk]}</abbr>\n      '
    if score.applies:
        if score.count:
            figures = (
                f"{page.number(score.median, 2)} · {page.number(score.minimum, '-2')}"
                f"–{page.number(score.maximum, '-2')}"
            )
            spread = f"<li>{page.labels[pk]}: {t['median']} {figures}</li>"
        if score.final is not None:
            title = f' title="{t["median"]} {figures}"' if score.count else ""
            item += f'<span class="fw-semibold"{title}>{page.number(score.final, 2)}</span>'
        else:
            item += "–"
        if score.from_consensus:
            item += f' <span class="badge text-bg-light border" title="{t["consensus_score"]}">{t["consensus"]}</span>'
        if score.disagreement:
            item += (
                ' <span class="badge text-bg-warning" data-testid="disagreement"><span aria-hidden="true">≠</span>'
                f'<span class="visually-hidden">{t["disagree"]}</span></span>'
            )
    else:
        item += f'<span class="text-body-secondary">{t["not_applicable"]}</span>'
    return item + "</li>", spread


def _grant(page, row, pk, reference) -> str:
    if not row.can_change_grant:
        return f'<span class="text-nowrap">{page.money(row.granted)}</span>'
    t, form = page.t, page.grant_forms.get(row.pk)
    url = escape(row.grant_url)
    errors = bool(form is not None and form.errors)
    if form is not None:
        value = escape(form.data.get("amount", ""))
    else:
        value = escape(localize(row.granted, use_l10n=False)) if row.granted is not None else ""
    invalid = " is-invalid" if errors else ""
    described = f' aria-invalid="true" aria-describedby="grant-{pk}-error"' if errors else ""
    html = (
        f'\n    <form method="post" action="{url}" hx-post="{url}" hx-target="#ranking-table" hx-swap="outerHTML"'
        f' class="grant-form">{page.csrf}\n'
        f'      <label class="visually-hidden" for="grant-{pk}">{escape(row.grant_label)}</label>\n'
        '      <div class="input-group input-group-sm">\n'
        f'        <input type="number" step="0.01" min="0" max="{escape(localize(row.requested, use_l10n=False))}"'
        f' name="amount" id="grant-{pk}" class="form-control grant-input{invalid}" value="{value}"{described}>\n'
        f'        <button class="btn btn-outline-secondary" type="submit">{t["update"]}'
        f'<span class="visually-hidden"> {reference}</span></button>\n'
        "      </div>\n"
    )
    if errors:
        messages = "".join(" ".join(escape(e) for e in errs) for errs in form.errors.values())
        html += f'      <div class="invalid-feedback d-block" id="grant-{pk}-error">{messages}</div>\n'
    if row.has_proposal:
        html += f'      <div class="small text-body-secondary">{t["what_if"]}</div>\n'
    return html + "    </form>\n    "


def _funding(page, row) -> str:
    t, funding, label = page.t, row.funding, escape(row.funding_label)
    if funding == "awarded":
        return f'<span class="badge text-bg-success">{label}</span>'
    if funding in ("rejected", "lapsed"):
        return f'<span class="badge text-bg-secondary">{label}</span>'
    if funding == "funded":
        return f'<span class="badge text-bg-success">{t["below_line"] if row.below_line else label}</span>'
    if row.outcome:
        html = f'<span class="badge text-bg-info">{t["reserve_decided"]}</span>'
        if row.fits_now:
            html += f' <span class="badge text-bg-warning" data-testid="fits-now">{t["fits_now"]}</span>'
        return html
    return f'<span class="badge text-bg-info">{label}</span>'


def passing_row(page, row) -> str:
    t = page.t
    pk, reference = escape(row.pk), escape(row.reference)
    name, title = escape(row.organisation), escape(row.title)
    funding = escape(row.funding)
    tie = escape(row.tie_break) if row.tie_break else ""
    rank = escape(row.position if row.position is not None else "")
    if tie:
        rank += (
            f' <span class="badge text-bg-light border" title="{tie}"><span aria-hidden="true">=</span>'
            f'<span class="visually-hidden">{t["tie"]}</span></span>'
        )
    tie_rule = (
        f'<div class="small ranking-tie-rule" data-testid="tie-break"><span class="fw-semibold">{t["tie_rule"]}</span> {tie}</div>'
        if tie
        else ""
    )
    running = page.money(row.running_total) if row.running_total is not None else "–"
    return (
        f'<tr id="row-{pk}" class="ranking-{funding}{" ranking-tie" if tie else ""}" data-testid="ranking-row"'
        f' data-reference="{reference}" data-funded="{"true" if row.funded else "false"}" data-funding="{funding}">\n'
        f'  <td class="ranking-sticky ranking-col-rank">{rank}</td>\n'
        f'  <th scope="row" class="ranking-sticky ranking-col-ref fw-semibold" data-testid="reference">{reference}</th>\n'
        f'  <td class="ranking-sticky ranking-col-name"><div>{name}</div><div class="small ranking-title" title="{title}">'
        f"{title}</div>{tie_rule}</td>\n"
        f'  <td class="ranking-col-scores">\n    {_scores(page, row)}\n  </td>\n'
        f'  <td class="ranking-col-total"><span class="fw-semibold text-nowrap" data-testid="total">'
        f'{page.percent(row.total_display)}</span><div class="small">{reviews_cell(page, row)}</div></td>\n'
        f'  <td class="text-end text-nowrap ranking-col-money" data-testid="requested">{page.money(row.requested)}</td>\n'
        f'  <td class="ranking-col-grant">\n    {_grant(page, row, pk, reference)}\n  </td>\n'
        f'  <td class="text-end text-nowrap ranking-col-money" data-testid="running-total">{running}</td>\n'
        f'  <td class="ranking-col-proposal" data-testid="funding">{_funding(page, row)}</td>\n'
        f'  <td class="ranking-col-decision" data-testid="decision">{decision_cell(page, row)}</td>\n'
        "</tr>\n"
    )


def reserve_item(page, row) -> str:
    decided = f' <span class="badge text-bg-info">{page.t["reserve_decided"]}</span>' if row.outcome else ""
    return (
        f'<li value="{escape(row.position)}"><span class="fw-semibold">{escape(row.reference)}</span> '
        f"{escape(row.organisation)} – {escape(row.title)}: {page.percent(row.total_display)}, "
        f"{page.money(row.granted)}{decided}</li>"
    )


def failing_row(page, row) -> str:
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in row.failed_thresholds())
    return (
        f'<tr id="row-{escape(row.pk)}">\n'
        f'  <td><span class="fw-semibold">{escape(row.reference)}</span> {escape(row.organisation)}'
        f'<div class="small">{escape(row.title)}</div></td>\n'
        f"  <td>{page.percent(row.total_display)}</td>\n"
        f'  <td><ul class="mb-0 small">{reasons}</ul></td>\n'
        f"  <td>{reviews_cell(page, row)}</td>\n"
        f"  <td>{decision_cell(page, row)}</td>\n"
        "</tr>\n"
    )


def unscored_item(page, row) -> str:
    return (
        f'<li id="row-{escape(row.pk)}"><span class="fw-semibold">{escape(row.reference)}</span> '
        f"{escape(row.organisation)} – {escape(row.title)} ({reviews_cell(page, row)})</li>"
    )


@register.simple_tag(takes_context=True)
def ranking_reserve_items(context):
    """The items of the reserve list (lines: no scores are read for them)."""
    page = _page(context)
    return mark_safe("".join(reserve_item(page, row) for row in page.ranking.reserve_listed))


@register.simple_tag(takes_context=True)
def ranking_failing_rows(context):
    """The rows of the table of applications that do not pass, with the thresholds they miss."""
    page = _page(context)
    return mark_safe("".join(failing_row(page, row) for row in page.ranking.failing_listed))


@register.simple_tag(takes_context=True)
def ranking_unscored_items(context):
    page = _page(context)
    return mark_safe("".join(unscored_item(page, row) for row in page.ranking.unscored_listed))


@register.simple_tag(takes_context=True)
def ranking_passing_rows(context):
    """The rows of the passing table (was a loop over reviews/ranking_row.html), with the
    funding line (reviews/ranking_line.html, rendered once) before the first row it leaves out,
    or after the last row when every passing application is funded."""
    page = _page(context)
    ranking = page.ranking
    line = context.template.engine.get_template("reviews/ranking_line.html").render(context)
    parts = []
    for index, row in enumerate(ranking.passing_table):
        if index == ranking.line_index:
            parts.append(line)
        parts.append(passing_row(page, row))
    if parts and ranking.line_index is None:
        parts.append(line)
    return mark_safe("".join(parts))
