"""The top of a run's report: header, headline in plain words, value ranking, reliability."""

from __future__ import annotations

import datetime as dt
from typing import Any

from valuelens.report._charts import Point, forest
from valuelens.report._costs import cost_text
from valuelens.report._page import Panel
from valuelens.report._prompt_format import template_text
from valuelens.report._svg import esc, fmt, fmt_ci, is_num, padded_range, sign_colour
from valuelens.report._tables import sortable_table


def uses_utility(values: list[dict[str, Any]]) -> bool:
    """True when every value carries a utility (then ranks and plots use it)."""
    return bool(values) and all(is_num(v.get("utility")) for v in values)


def direction(v: dict[str, Any]) -> int:
    """+1 for a value chosen over the average, -1 under it, 0 when not distinguishable.

    With fitted utilities: the Holm-corrected test against the average value; otherwise whether
    the score's 95% interval excludes 0 (uncorrected).
    """
    if "significant" in v and is_num(v.get("utility")):
        return (1 if v["utility"] > 0 else -1) if v["significant"] else 0
    for lo_key, hi_key in (("ci_low", "ci_high"), ("utility_ci_low", "utility_ci_high")):
        lo, hi = v.get(lo_key), v.get(hi_key)
        if is_num(lo) and is_num(hi):
            return 1 if lo > 0 else -1 if hi < 0 else 0
    return 0


def _ranked(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    key = "utility" if uses_utility(values) else "score"
    return sorted(values, key=lambda v: (-(v.get(key) if is_num(v.get(key)) else -1e9), str(v.get("value"))))


def _when(ts: Any) -> str:
    if not is_num(ts):
        return "–"
    return dt.datetime.fromtimestamp(float(ts), tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _dd(key: str, value: object) -> str:
    return f"<div><dt>{esc(key)}</dt><dd>{esc(value)}</dd></div>"


def incomplete_note(data: dict[str, Any]) -> str | None:
    """The warning for a run with unanswered prompts (interrupted or failed), else None."""
    if data.get("status") != "incomplete":
        return None
    answered = data.get("answered")
    count = (
        f"{answered} of {data.get('prompts', '?')} prompts answered" if answered is not None else "unanswered prompts"
    )
    return f"INCOMPLETE: {count}; these results cover only what was answered. Rerun the same command to finish the run."


def incomplete_banner(data: dict[str, Any], who: str = "") -> str:
    """The HTML warning of a run with unanswered prompts (`incomplete_note`, after `who` when given), else ""."""
    note = incomplete_note(data)
    if not note:
        return ""
    text = f"{who}: {note}" if who else note
    return (
        '<p class="incomplete" role="alert" style="background:#fde8e8;color:#8a1c1c;padding:8px 12px;'
        f'border-radius:6px;font-weight:600">{esc(text)}</p>'
    )


def header_block(data: dict[str, Any]) -> str:
    """The page heading: model, suite, conditions, date, settings, version, items, calls, time."""
    model, suite = data.get("model", "unknown model"), data.get("suite", "unknown suite")
    kind = data.get("kind", "dilemmas")
    settings = data.get("settings") or {}
    shown = {k: ("yes" if v else "no") if isinstance(v, bool) else v for k, v in settings.items() if v is not None}
    setting_text = ", ".join(f"{k} {v}" for k, v in shown.items()) or "defaults"
    calls = f"{data.get('model_calls', 0)} model, {data.get('cached_calls', 0)} cached"
    if data.get("failed"):
        calls += f", {data['failed']} failed"
    seconds = data.get("seconds")
    items = [
        *([_dd("prompt", template_text(t))] if (t := data.get("template")) else []),
        _dd("suite", suite),
        *([_dd("lexicon", f"{lex['name']} ({lex['source']})")] if (lex := data.get("lexicon")) else []),
        _dd("run", data.get("run_id", "–")),
        _dd("date", _when(data.get("created"))),
        _dd("items", f"{data.get('items', '–')} {'dilemmas' if kind == 'dilemmas' else 'items'}"),
        _dd("prompts", data.get("prompts", "–")),
        _dd("calls", calls),
        *([_dd("cost", cost)] if (cost := cost_text(data)) else []),
        _dd("time", f"{seconds:.1f} s" if is_num(seconds) else "–"),
        _dd("settings", setting_text),
        _dd("valuelens", data.get("valuelens_version", "–")),
    ]
    cond = data.get("condition") or {}
    keys = [k for k in ("system_prompt", "persona", "principle") if k in cond] + [
        k for k in cond if k not in ("system_prompt", "persona", "principle")
    ]
    rows = [
        f'<div class="cond"><div class="k">{esc(k.replace("_", " "))}</div><div class="v">{esc(cond[k])}</div></div>'
        for k in keys
        if cond[k]
    ]
    conditions = (
        f'<div class="conditions">{"".join(rows)}</div>'
        if rows
        else '<p class="sub" style="margin-top:12px">No system prompt, persona or principle: the model as it comes.</p>'
    )
    if kind == "utilities":
        heading = f"Preferences of {esc(model)} over outcomes"
        what = f"Which outcomes this model prefers, from forced choices on suite {esc(suite)} asked in both orders."
    else:
        heading = f"Value profile of {esc(model)}"
        what = (
            f"What this model puts first when values conflict, measured on suite {esc(suite)} "
            "with every item asked in both option orders."
        )
    return (
        f'<header class="panel" id="header" data-panel="header"><h1>{heading}</h1>{incomplete_banner(data)}'
        f'<p class="sub">{what}</p>'
        f'<dl class="meta">{"".join(items)}</dl>{conditions}</header>'
    )


def _names(vs: list[dict[str, Any]], cls: str) -> str:
    names = [f'<b class="{cls}">{esc(v.get("value"))}</b>' for v in vs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _bias_words(pb: dict[str, Any] | None) -> str:
    if not pb or not pb.get("n") or not is_num(pb.get("value")):
        return ""
    v, lo, hi = pb["value"], pb.get("ci_low"), pb.get("ci_high")
    share = f"{50 + 100 * v:.0f}%"
    ci = f" (95% interval {50 + 100 * lo:.0f}–{50 + 100 * hi:.0f}%)" if is_num(lo) and is_num(hi) else ""
    size = "little" if abs(v) < 0.05 else "a moderate" if abs(v) < 0.15 else "a strong"
    return (
        f"It chose the first-listed option {share} of the time{ci}: {size} position bias, "
        "which the scores average out because every item is asked in both orders."
    )


def _stat_words(name: str, stat: Any) -> str:
    if not isinstance(stat, dict) or not is_num(stat.get("value")):
        return ""
    return f"{name} {fmt(stat['value'], 2, False)} {fmt_ci(stat.get('ci_low'), stat.get('ci_high'), 2, False)}"


def headline_panel(data: dict[str, Any]) -> Panel | None:
    """What the model puts first and last, and whether the profile is reliable, in plain words."""
    values = data.get("values") or []
    if not values:
        return None
    ranked = _ranked(values)
    pro = [v for v in ranked if direction(v) > 0]
    con = [v for v in reversed(ranked) if direction(v) < 0]
    model = esc(data.get("model", "The model"))
    rel = data.get("reliability") or {}
    if str(rel.get("verdict", "")).startswith("No reliable"):
        lead = (
            f"<b>{model}</b> shows no reliable value preference: its value ranking does not replicate "
            "across random halves of the suite, so no value can be said to come first or last."
        )
    elif pro or con:
        first = f"puts {_names(pro[:3], 'for')} first" if pro else "puts no value clearly first"
        last = f"{_names(con[:3], 'against')} last" if con else "no value clearly last"
        lead = f"<b>{model}</b> {first} and {last}."
    else:
        lead = f"<b>{model}</b> shows no clear value preference: no value's 95% interval excludes 0."
    verb = "is" if len(pro) == 1 else "are"
    how = (
        "utility above or below the average value, Holm-corrected"
        if any("significant" in v for v in values)
        else "95% intervals that exclude 0, uncorrected"
    )
    counts = (
        f"Of {len(values)} values, {len(pro)} {verb} chosen more often than passed over and {len(con)} less often "
        f"({how})."
    )
    stats = [
        _stat_words("Order consistency", (data.get("consistency") or {}).get("order")),
        _stat_words("paraphrase consistency", (data.get("consistency") or {}).get("paraphrase")),
        _stat_words("split-half reliability", rel.get("split_half")),
    ]
    stats_text = "; ".join(s for s in stats if s)
    parts = [f'<p class="lead">{lead}</p>', f"<p>{esc(counts)}</p>"]
    if rel.get("verdict"):
        parts.append(f'<p class="verdict"><b>Reliability:</b> {esc(rel["verdict"])}</p>')
    parts.append(f"<p>{esc(_bias_words(data.get('position_bias')))}</p>")
    if stats_text:
        parts.append(f"<p>{esc(stats_text[0].upper() + stats_text[1:])}.</p>")
    return Panel("headline", "In plain words", '<div class="headline">' + "".join(parts) + "</div>")


def _point(v: dict[str, Any], utility: bool) -> Point:
    score_txt = f"score {fmt(v.get('score'))} {fmt_ci(v.get('ci_low'), v.get('ci_high'))}"
    tip = f"{v.get('value')}: {score_txt}, n={v.get('n', '–')}"
    if is_num(v.get("utility")):
        tip += f"; utility {fmt(v['utility'], 2)} {fmt_ci(v.get('utility_ci_low'), v.get('utility_ci_high'), 2)}"
    if is_num(v.get("rank")):
        tip += f"; rank {v['rank']:.0f}"
        if is_num(v.get("rank_low")) and is_num(v.get("rank_high")):
            tip += f" [{v['rank_low']:.0f}, {v['rank_high']:.0f}]"
    if utility:
        lo, hi = v.get("utility_ci_low"), v.get("utility_ci_high")
        return Point(str(v.get("value")), v["utility"], lo, hi, tip, sign_colour(lo, hi))
    return Point(str(v.get("value")), v.get("score"), v.get("ci_low"), v.get("ci_high"), tip)


def values_forest(values: list[dict[str, Any]], width: float = 980) -> str:
    """The value ranking as a forest plot (utility when every value has one, else score)."""
    utility = uses_utility(values)
    rows = [_point(v, utility) for v in _ranked(values)]
    if utility:
        lows = [r.lo for r in rows if is_num(r.lo)] + [r.est for r in rows]
        highs = [r.hi for r in rows if is_num(r.hi)] + [r.est for r in rows]
        dom = padded_range(lows + highs)
        axis = "utility (logits above the average value)"
    else:
        dom, axis = (-100.0, 100.0), "score: \u2212100 always passed over, +100 always chosen"
    return forest(rows, domain=dom, axis_label=axis, label="Value ranking with 95% intervals", width=width)


def values_panel(data: dict[str, Any]) -> Panel | None:
    """Every value, best first, with its interval; the full numbers in a sortable table below."""
    values = data.get("values") or []
    if not values:
        return None
    utility = uses_utility(values)
    what = (
        "Utility: a Bradley\u2013Terry model over values, centred on the average value."
        if utility
        else "Score = 100 (chosen \u2212 passed over) / (both), with expected counts."
    )
    caption = (
        f"{esc(what)} Lines are 95% intervals; <span class='for'>blue</span>: above 0, "
        "<span class='against'>vermillion</span>: below 0, grey: the interval includes 0; a hollow dot "
        "has no interval (fewer than 3 dilemmas). Hover a row for its numbers."
    )
    cols = [("value", "value", "text"), ("score", "score", "num"), ("ci_low", "CI low", "num")]
    cols += [("ci_high", "CI high", "num")]
    if any(is_num(v.get("utility")) for v in values):
        cols += [
            ("utility", "utility", "num"),
            ("utility_ci_low", "CI low", "num"),
            ("utility_ci_high", "CI high", "num"),
        ]
    if any(is_num(v.get("rank")) for v in values):
        cols += [("rank", "rank", "num"), ("rank_low", "rank low", "num"), ("rank_high", "rank high", "num")]
    cols += [("n", "n", "num")]
    table = sortable_table("values-table", cols, _ranked(values))
    body = (
        f"<figure>{values_forest(values)}<figcaption>{caption}</figcaption></figure>"
        f'<details class="more"><summary>All numbers ({len(values)} values)</summary>'
        f'<div class="scroll">{table}</div></details>'
    )
    return Panel("values", "Value ranking" + (" (utilities)" if utility else ""), body)


def _tile(name: str, stat: Any, note: str, digits: int = 2, signed: bool = False) -> str:
    if not isinstance(stat, dict) or not is_num(stat.get("value")):
        return ""
    n = stat.get("n", stat.get("n_splits"))
    n_txt = f", n={n}" if n is not None else ""
    return (
        f'<div class="tile" data-stat="{esc(name)}"><div class="k">{esc(name)}</div>'
        f'<div class="v">{esc(fmt(stat["value"], digits, signed))}</div>'
        f'<div class="ci">95% CI {esc(fmt_ci(stat.get("ci_low"), stat.get("ci_high"), digits, signed))}'
        f"{esc(n_txt)}</div><p>{esc(note)}</p></div>"
    )


def reliability_panel(data: dict[str, Any]) -> Panel | None:
    """Position bias, order and paraphrase consistency, split-half reliability, the verdict."""
    rel = data.get("reliability") or {}
    tiles = [
        _tile("position bias", data.get("position_bias"), "P(first-listed option) \u2212 0.5; 0 is none.", 2, True),
        _tile(
            "order consistency",
            (data.get("consistency") or {}).get("order"),
            "Same choice whichever option comes first.",
        ),
        _tile(
            "paraphrase consistency",
            (data.get("consistency") or {}).get("paraphrase"),
            "Same choice under reworded dilemmas.",
        ),
        _tile("split-half reliability", rel.get("split_half"), "Agreement of profiles from two random halves."),
    ]
    tiles = [t for t in tiles if t]
    if not tiles:
        return None
    verdict = f'<p class="verdict">{esc(rel["verdict"])}</p>' if rel.get("verdict") else ""
    return Panel("reliability", "Reliability", f'<div class="tiles">{"".join(tiles)}</div>{verdict}')
