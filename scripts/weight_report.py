"""The size and targets sections of BENCHMARKS.md, from what scripts/weight-report.sh collected.

usage: weight_report.py WORK BEFORE_REV BENCHMARKS_MD
WORK holds {before,after}.code and .sections (wasm-objdump of the named builds),
{before,after}-stripped.wasm (their release bundles) and before.md (BENCHMARKS.md at
BEFORE_REV); BENCHMARKS_MD is the report whose contract section bench.sh wrote (the "after").
Writes WORK/size.md and WORK/targets.md.
"""

import os
import re
import sys

work, before_rev, report = sys.argv[1:4]
SIDES = ("before", "after")
# Functions listed by name, the largest first; the rest are summed up in one row.
LISTED = 25

# Legacy Rust mangling's escapes of characters a symbol cannot hold.
ESCAPES = {"$LT$": "<", "$GT$": ">", "$u20$": " ", "$RF$": "&", "$C$": ",", "$LP$": "(",
           "$RP$": ")", "$u7b$": "{", "$u7d$": "}", "$u5b$": "[", "$u5d$": "]",
           "$u3b$": ";", "$BP$": "*", "$u27$": "'", "$u21$": "!"}


def demangle(name):
    """A legacy Rust symbol as a path, without its hash; wasm-opt's merged functions
    (`byn$mgfn-shared$SYMBOL`) by the symbol they were merged from."""
    name = re.sub(r"^byn\$mgfn-shared\$", "", name)
    m = re.fullmatch(r"_ZN(.*)E", name)
    if not m:
        return name
    rest, parts = m.group(1), []
    while (n := re.match(r"\d+", rest)):
        start = n.end()
        parts.append(rest[start:start + int(n.group())])
        rest = rest[start + int(n.group()):]
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    path = "::".join(parts)
    for escape, char in ESCAPES.items():
        path = path.replace(escape, char)
    # ink!'s `const _: () = { ... }` blocks and the `_` before an impl path say nothing.
    path = path.replace("..", "::").lstrip("_")
    return path.replace("::_::_<", "::<").replace("::_<", "::<")


def functions(side):
    out = []
    with open(f"{work}/{side}.code") as lines:
        for line in lines:
            m = re.match(r"\s*- func\[\d+\] size=(\d+) <(.*)>", line)
            if m:
                out.append((int(m.group(1)), demangle(m.group(2))))
    return sorted(out, key=lambda f: -f[0])


def sections(side):
    out = {}
    with open(f"{work}/{side}.sections") as lines:
        for line in lines:
            m = re.match(r"\s*(\w+) start=\S+ end=\S+ \(size=(0x[0-9a-f]+)\)", line)
            if m and m.group(1) != "Custom":
                out[m.group(1)] = int(m.group(2), 16)
    return out


def module(name):
    """Where a function's code comes from: the contract's module, or the crate (for a trait
    method of a type outside the contract, the trait's crate: `<u32 as Encode>` is codec code)."""
    if name in ("call", "deploy"):
        return f"`{name}` (ink!'s entry point, with the bodies inlined into it)"
    if name in ("memcpy", "memmove", "memset", "memcmp"):
        return "mem functions"
    if name.startswith("__"):
        return "`compiler_builtins`"
    impl = re.match(r"<(?:impl )?(.+?) as ([\w:]+)", name)
    path = name
    if impl:
        path = impl.group(1) if impl.group(1).startswith("proof_manager::") else impl.group(2)
    parts = path.split("::")
    if parts[0] == "proof_manager" and len(parts) > 1:
        return f"`proof_manager::{parts[1]}`"
    return f"`{parts[0]}`"


def fmt(n):
    return f"{n:,}"


def size_section():
    funcs = {side: functions(side) for side in SIDES}
    secs = {side: sections(side) for side in SIDES}
    blob = {side: os.path.getsize(f"{work}/{side}-stripped.wasm") for side in SIDES}
    mods = {side: {} for side in SIDES}
    for side in SIDES:
        for size, name in funcs[side]:
            mods[side][module(name)] = mods[side].get(module(name), 0) + size
    out = [
        "## Code size by function",
        "",
        f"The optimized `proof_manager.wasm` before (`{before_rev}`, where issue 15 started) and "
        "after, with its names kept (`cargo contract build --release --keep-debug-symbols`: the "
        "same wasm-opt run as the release bundle, whose code it matches byte for byte) and read "
        "with `wasm-objdump`. Every byte of the blob costs 33,471 ref_time on every call "
        "(pallet-contracts 31.0.0's `call_with_code_per_byte`), whether the call executes it or not: code never called, added for a measurement, cost "
        "as much per byte as code every call runs. Regenerate with `scripts/weight-report.sh`.",
        "",
        "| where | before | after | change |",
        "|---|---:|---:|---:|",
    ]
    keys = sorted(set(mods["before"]) | set(mods["after"]),
                  key=lambda k: (-max(mods["before"].get(k, 0), mods["after"].get(k, 0)), k))
    for k in keys:
        b, a = mods["before"].get(k, 0), mods["after"].get(k, 0)
        out.append(f"| {k} | {fmt(b)} | {fmt(a)} | {a - b:+,} |")
    for s in ("Data", "Import", "Type", "Function", "Export", "Global", "Memory", "Table",
              "Elem"):
        b, a = secs["before"].get(s, 0), secs["after"].get(s, 0)
        if a or b:
            out.append(f"| {s} section | {fmt(b)} | {fmt(a)} | {a - b:+,} |")
    out.append(f"| **the blob** (with section headers) | **{fmt(blob['before'])}** | "
               f"**{fmt(blob['after'])}** | **{blob['after'] - blob['before']:+,}** |")
    for side in SIDES:
        out += ["", f"### {side.capitalize()}: the {LISTED} largest functions", "",
                "| bytes | function |", "|---:|---|"]
        for size, name in funcs[side][:LISTED]:
            cell = name.replace("|", "\\|")
            out.append(f"| {fmt(size)} | `{cell}` |")
        rest = funcs[side][LISTED:]
        out.append(f"| {fmt(sum(s for s, _ in rest))} | {len(rest)} other functions |")
    return out


# --- targets ---------------------------------------------------------------------------------

def contract_section(path):
    with open(path) as f:
        text = f.read()
    m = re.search(r"<!-- BEGIN contract -->(.*?)<!-- END contract -->", text, re.S)
    return m.group(1) if m else text


def figures(text):
    """The figures the targets are about, from a contract section."""
    out = {"ratio": {}, "growth": {}, "span": {}, "purge": {}}
    for m in re.finditer(r"^\| [^|`]*\| `([^`]+)` \| ([\d,]+) \| ([\d.]+) \|", text, re.M):
        out["ratio"][m.group(1)] = float(m.group(3))
    m = re.search(r"^\| `proof_manager\.wasm` \| ([\d,]+) \|", text, re.M)
    out["size"] = int(m.group(1).replace(",", ""))
    out["capacity"] = int(re.search(r"\*\*(\d+) submissions fit one block\*\*", text).group(1))
    series = None
    for line in text.splitlines():
        head = re.match(r"### \((\w)\)", line)
        if head:
            series = head.group(1)
        if line.startswith("## 3"):
            series = None
        row = re.match(r"\| `(\w+)` \| (ref_time|proof_size) \|.* \| ([\d.]+)× \| [^|]* \|$", line)
        if series and row:
            key = (series, row.group(1), row.group(2))
            out["growth"][key] = float(row.group(3))
            # The figures at the smallest and the largest N: the cells after the metric.
            cells = [c.strip() for c in line.strip("|").split("|")]
            values = [int(c.split()[0].replace(",", "")) for c in cells[2:-2]]
            out["span"][key] = (values[0], values[-1])
        purge = re.match(r"\| (purges 10[^|]*) \| ([\d,]+) \|", line)
        if purge:
            out["purge"][purge.group(1)] = int(purge.group(2).replace(",", ""))
    return out


def targets_section():
    before = figures(contract_section(f"{work}/before.md"))
    after = figures(contract_section(report))
    rows = [("`proof_manager.wasm` (bytes)", "≤ 28,000", fmt(before["size"]),
             fmt(after["size"]), after["size"] <= 28_000),
            ("submissions per block", "≥ 450", str(before["capacity"]), str(after["capacity"]),
             after["capacity"] >= 450)]
    for message, bound in [("submit_proof_request", 2.0), ("claim_reward (1 request)", 2.2),
                           ("acknowledge_proof_request (accept)", 1.4),
                           ("acknowledge_proof_request (refuse)", 1.4),
                           ("submit_proof (256 B proof)", 1.4),
                           ("submit_proof_validation_result (valid)", 1.4),
                           ("submit_proof_validation_result (invalid)", 1.4),
                           ("mark_unacknowledged", 1.4), ("mark_timed_out", 1.4)]:
        b, a = before["ratio"][message], after["ratio"][message]
        rows.append((f"`{message}` (× transfer)", f"≤ {bound}×", f"{b:.2f}×", f"{a:.2f}×",
                     a <= bound))
    worse_rows = []
    for series, title in [("a", "history"), ("b", "in flight"), ("c", "settlement")]:
        keys = [k for k in before["growth"] if k[0] == series]
        worse = [k for k in keys if after["growth"].get(k, 0) > before["growth"][k]]
        worse_rows += worse
        largest = {side: max(figs["growth"].get(k, 0) for k in keys)
                   for side, figs in (("before", before), ("after", after))}
        rows.append((f"growth §2 ({series}) {title}: largest of {len(keys)} ratios",
                     "no worse, each", f"{largest['before']:.2f}×", f"{largest['after']:.2f}×",
                     not worse))
    for label, b in before["purge"].items():
        a = after["purge"].get(label, 0)
        rows.append((f"§3 {label} (ref_time)", "no worse", fmt(b), fmt(a), a <= b))
    out = ["## Targets of issue 15", "",
           f"Before: BENCHMARKS.md at `{before_rev}`; after: this report. Ratios are to the "
           "PSP22 transfer of the same run. Regenerate with `scripts/weight-report.sh` after "
           "`scripts/bench.sh`.", "",
           "| target | bound | before | after | met |", "|---|---|---:|---:|---|"]
    out += [f"| {t} | {bound} | {b} | {a} | {'✓' if ok else '✗'} |"
            for t, bound, b, a, ok in rows]
    if worse_rows:
        # A ratio is growth over the cost at the smallest N: the same growth over a cheaper
        # base reads as a larger ratio, so the absolute growth goes beside it.
        out += ["", "Growth ratios above their before, with the growth itself (the cost at the "
                "largest N less the cost at the smallest):", "",
                "| series | message | metric | ratio before | ratio after | growth before | "
                "growth after |", "|---|---|---|---:|---:|---:|---:|"]
        for key in worse_rows:
            series, message, metric = key
            grown = {side: figs["span"][key][1] - figs["span"][key][0]
                     for side, figs in (("before", before), ("after", after))}
            out.append(f"| ({series}) | `{message}` | {metric} | {before['growth'][key]:.2f}× | "
                       f"{after['growth'][key]:.2f}× | {fmt(grown['before'])} | "
                       f"{fmt(grown['after'])} |")
    return out


for name, lines in (("size", size_section()), ("targets", targets_section())):
    with open(f"{work}/{name}.md", "w") as f:
        f.write("\n".join(lines) + "\n")
