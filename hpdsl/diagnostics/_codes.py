"""The table of diagnostic codes: stable names, severities, explanations.

A code never changes meaning once published, and it alone decides how bad a
diagnostic is: `Diagnostic.severity` reads this table. The hundreds group the
codes by the stage that finds them: HPS0xx reading and parsing the input (syntax,
encoding, size and depth limits); HPS1xx names, labels, types and the arguments
of distributions and functions; HPS2xx the structure of the whole space
(duplicate declarations, cycles, dead branches, constraints, shadowed labels,
inactive references); HPS4xx includes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str


_E = Severity.ERROR
_W = Severity.WARNING

CODES: dict[str, Code] = {
    c.code: c
    for c in [
        Code("HPS001", "syntax-error", _E, "the file does not parse",
             "The parser met a token it did not expect. The message says what it expected\n"
             "instead. Remember: one statement per line, blocks in braces, `~` for a\n"
             "sampled parameter and `=` for a fixed or derived value.\n\n"
             "    lr ~ loguniform(1e-4, 1e-1)\n    if model == svm { C ~ loguniform(1e-3, 1e3) }"),
        Code("HPS002", "unreadable-input", _E, "the file cannot be read as UTF-8 text",
             "A space file must be UTF-8 text. Binary files, other encodings and files\n"
             "that cannot be opened are reported here with the offset of the first bad byte.\n"
             "So are paths that are not regular files (named pipes, devices, sockets): they\n"
             "are refused by type, before anything is read, since reading them could block\n"
             "forever."),
        Code("HPS003", "limit-exceeded", _E, "the input is larger or deeper than hpdsl accepts",
             "hpdsl refuses inputs beyond fixed limits instead of hanging or running out of\n"
             "memory: file size, nesting depth of blocks and expressions, loop length,\n"
             "number of parameters, include depth, the text includes expand to (a file\n"
             "included n times counts n times) and the number of values sampled at once.\n"
             "The message names the limit; docs/language.md lists them all."),
        Code("HPS101", "unknown-name", _E, "a name that is not declared anywhere",
             "Every bare word in an expression or condition must be a parameter, a loop\n"
             "variable, or a label of the choice it is compared with. Check the spelling;\n"
             "a parameter in a stage is referred to from outside as `stage.name`.\n\n"
             "    lr ~ loguniform(1e-4, 1e-1)\n    warmup = 10 * learning_rate   # error: "
             "`learning_rate` is unknown"),
        Code("HPS102", "unknown-label", _E, "a label that is not among the choice's options",
             "Comparing a choice parameter with a value it can never take is always false\n"
             "(or always true for `!=`), which is almost always a typo.\n\n"
             "    model ~ choice(svm, rf)\n    if model == svn { ... }   # error: `svn` is "
             "not an option"),
        Code("HPS103", "type-mismatch", _E, "a comparison or arithmetic on incompatible types",
             "A number parameter compared with a string or label, a string used in\n"
             "arithmetic, or an ordering (`<`) between a label and a number can never do what\n"
             "was meant.\n\n    depth ~ randint(1, 8)\n    if depth == \"deep\" { ... }   # error"),
        Code("HPS104", "unknown-distribution", _E, "a distribution that hpdsl does not know",
             "The distributions are uniform, loguniform, quniform, qloguniform, normal,\n"
             "lognormal, qnormal, qlognormal, randint, choice and pchoice; `fidelity`\n"
             "declares the training budget (see HPS118)."),
        Code("HPS105", "bad-arguments", _E,
             "a distribution or function called with the wrong arguments",
             "Each distribution takes a fixed number of arguments (e.g. `uniform(low, high)`,\n"
             "`quniform(low, high, q)`); only `pchoice` takes `weight: option` pairs. Bounds\n"
             "must be numbers or expressions over number parameters."),
        Code("HPS106", "empty-range", _E, "a lower bound that is not below the upper bound",
             "`uniform(a, b)` and its relatives need a < b; `randint(a, b)` needs a <= b\n"
             "(both ends are included)."),
        Code("HPS107", "nonpositive-log-bound", _E, "log-scaled bounds that are not positive",
             "`loguniform(a, b)` samples between a and b on a log scale, so both must be > 0.\n"
             "Unlike hyperopt, the bounds are the values you see, not their logarithms."),
        Code("HPS108", "nonpositive-scale", _E, "a quantization step or standard deviation <= 0",
             "`q` in the q-distributions and `sigma` in the normal ones must be positive."),
        Code("HPS109", "bad-weights", _E, "pchoice weights that are negative or do not sum to 1",
             "`pchoice(0.7: a, 0.3: b)`: each weight is a probability and they sum to 1\n"
             "(within 1e-6)."),
        Code("HPS110", "duplicate-option", _E, "the same option listed twice in a choice",
             "A choice whose options repeat gives that option twice the weight and confuses\n"
             "search algorithms. Use pchoice for weighted options."),
        Code("HPS111", "bad-default", _E, "a default value that the distribution cannot produce",
             "`default V` must lie within the bounds, be a multiple of `q` for quantized\n"
             "distributions, an integer for randint, and one of the options for a choice."),
        Code("HPS112", "unknown-function", _E, "a call to a function outside the whitelist",
             "Expressions may only use + - * / // ** and the functions min, max, log, exp and\n"
             "round. There is deliberately no way to call Python from a space file."),
        Code("HPS113", "bad-loop", _E, "a loop whose range cannot be unrolled",
             "`for i in A..B` needs A to be an integer constant and B an integer constant or\n"
             "an integer parameter (randint, or a choice of integers) declared outside any\n"
             "loop. Items are numbered from A to B, both included; item i is active when\n"
             "B >= i. Inside the body, declare items as `name[i]`."),
        Code("HPS114", "bad-index", _E, "an indexed name used outside a loop or with a bad index",
             "`units[i]` declares or reads the loop item i; the index must be the loop variable\n"
             "(optionally plus or minus a constant) or an integer constant."),
        Code("HPS115", "name-conflict", _E, "a name used both as a value and as a stage or list",
             "Output keys nest: `pre { scaler ~ ... }` makes `pre` a dict, `units[i]` makes\n"
             "`units` a list. The same name cannot also hold a single value."),
        Code("HPS116", "always-empty-range", _E,
             "bounds over other parameters that leave no value, whatever those hold",
             "A bound may read other parameters (`y ~ uniform(0, x - 2)`), but here the\n"
             "range is empty for every value they can take (x is at most 1, so the upper\n"
             "bound is at most -1, below the lower bound 0): no value of `y` can ever be drawn\n"
             "and sampling would fail. The message names the bound that can never work.\n\n"
             "    x ~ uniform(0, 1)\n    y ~ uniform(0, x - 2)   # error: high is at most -1"),
        Code("HPS117", "float-overflow", _E, "a distribution whose values overflow a float",
             "`lognormal(mu, sigma)` is exp(x) for x ~ normal(mu, sigma): mu and sigma are\n"
             "the mean and deviation of the value's logarithm, not of the value. Past\n"
             "exp(709.8) a value is larger than the largest float and becomes infinite, so\n"
             "lint refuses a log-normal whose values within 4 deviations of mu overflow\n"
             "(`qlognormal` sooner when q is below 1, since its values are divided by q),\n"
             "and a `lognormal` whose values underflow to 0 (below exp(-744.4)), which is not\n"
             "a positive value.\n\n"
             "    x ~ lognormal(1000, 1)     # error: exp(1004) is not a float\n"
             "    x ~ lognormal(6.9, 0.5)    # values around 1000"),
        Code("HPS118", "bad-fidelity", _E, "a fidelity with bad arguments or a default",
             "`epochs ~ fidelity(min, max)` or `fidelity(min, max, reduction_factor)` declares\n"
             "the resource a trial trains for (epochs, iterations): it is not searched, the\n"
             "objective receives max under its name, and pruners schedule between min and max,\n"
             "keeping 1 trial in reduction_factor at each rung. The bounds are constant\n"
             "integers with 1 <= min < max, the reduction factor an integer >= 2, and there\n"
             "is no `default` (every trial is trained up to max unless pruned).\n\n"
             "    epochs ~ fidelity(0, 81)      # error: min must be at least 1\n"
             "    epochs ~ fidelity(1, 81, 3)   # budgets 1, 3, 9, 27, 81"),
        Code("HPS201", "duplicate-declaration", _E,
             "a name declared twice where both can be active",
             "The same name may be declared in branches that exclude each other (for\n"
             "example under `model == rf` and `model == gbm`); it is then one key in the\n"
             "output. Where both declarations can be active together the value is ambiguous."),
        Code("HPS202", "dependency-cycle", _E, "parameters that depend on each other in a cycle",
             "Conditions and expressions make edges between parameters; a cycle means no\n"
             "parameter in it can be sampled first. The message lists the whole cycle."),
        Code("HPS203", "dead-branch", _W, "a block or declaration that can never be active",
             "The conditions around it contradict each other (or the parameters they test\n"
             "can never have the needed values), so everything inside is unreachable.\n\n"
             "    if model == svm { if model == rf { ... } }"),
        Code("HPS204", "unsatisfiable-constraints", _E,
             "constraints that exclude every configuration",
             "No configuration passes every `forbid` and `require`; sampling would never\n"
             "succeed."),
        Code("HPS205", "restrictive-constraints", _W,
             "constraints that exclude nearly every configuration",
             "Samplers draw configurations and reject the excluded ones; when fewer than 1% pass,\n"
             "sampling becomes slow. Narrow the distributions instead where you can."),
        Code("HPS206", "label-shadows-parameter", _W,
             "a bare word that is both a label and a parameter",
             "A bare word in `choice(...)` is a label, but elsewhere the same word names a\n"
             "parameter, so `model == svm` is ambiguous. It is read as the label; quote it\n"
             "(\"svm\") or rename the parameter."),
        Code("HPS207", "inactive-reference", _W,
             "an expression refers to a parameter that may be inactive",
             "A bound or derived value that refers to an inactive parameter has no value, and the\n"
             "parameter that uses it is then inactive too. Usually the referenced parameter "
             "should\n"
             "be declared unconditionally or under the same condition."),
        Code("HPS208", "partly-empty-range", _W,
             "bounds over other parameters that leave no value for part of their range",
             "`b ~ uniform(a, 5)` with `a ~ uniform(0, 10)` has no value when a >= 5 (and\n"
             "`loguniform(x, 10)` none when x <= 0). Sampling leaves such configurations out,\n"
             "so `a` is then no longer uniform: only its values below 5 are ever tried. The\n"
             "message names the parameters read and where the range is empty. Clamp the\n"
             "bound (`uniform(min(a, 4), 5)`), narrow the parent's range, or guard the\n"
             "parameter with an `if` that says when it exists.\n\n"
             "    a ~ uniform(0, 10)\n    b ~ uniform(a, 5)        # warning: empty when `a` "
             "is above 5"),
        Code("HPS209", "bound-off-grid", _W,
             "a q-distribution bound that is not a multiple of q",
             "The values of `quniform(a, b, q)` and `qloguniform(a, b, q)` are the multiples\n"
             "of q inside [a, b] (..., -q, 0, q, 2q, ...), not steps of q from a: `quniform(3, 9,\n"
             "2)` gives 4, 6, 8, never 3 or 9. For steps from a, list the values in a choice\n"
             "(`choice(3, 5, 7, 9)`) or derive them (`k ~ randint(0, 3)` and `x = 3 + 2 * k`).\n\n"
             "    depth ~ quniform(3, 9, 2)   # warning: gives 4, 6, 8"),
        Code("HPS210", "none-label", _W, "`None` or `none` as a label among numbers",
             "A bare word in a choice is a label, a string: `choice(None, 3, 5)` gives the\n"
             "string \"None\", which a model's `max_depth=\"None\"` rejects or, worse, takes.\n"
             "Python's None (JSON's null) is written `null`: `choice(null, 3, 5)`.\n\n"
             "    max_depth ~ choice(None, 3, 5)   # warning: write `null`"),
        Code("HPS211", "duplicate-fidelity", _E, "a space that declares two fidelities",
             "Pruners schedule one resource, so a space declares one fidelity at most.\n"
             "Derive other budgets from it.\n\n"
             "    epochs ~ fidelity(1, 81)\n"
             "    steps = 100 * epochs          # not a second fidelity"),
        Code("HPS212", "conditional-fidelity", _E, "a fidelity inside a condition or a loop",
             "The fidelity is the budget of every trial, so it must exist in every\n"
             "configuration: declare it at the top level (a stage is fine), outside every\n"
             "`if` and `for`. To give models different budgets, derive them from it.\n\n"
             "    if model == mlp { epochs ~ fidelity(1, 81) }   # error\n"
             "    epochs ~ fidelity(1, 81)                        # at the top level"),
        Code("HPS401", "missing-include", _E, "an included file that cannot be read",
             "`include \"path\"` is resolved relative to the file that contains it."),
        Code("HPS402", "include-cycle", _E, "a file that includes itself, directly or not",
             "Includes must form a tree; the message lists the chain of files."),
    ]
}


def explain(code: str) -> str | None:
    """The long explanation of `code`, or None if there is no such code."""
    entry = CODES.get(code.upper())
    if entry is None:
        return None
    return (f"{entry.code} ({entry.name}, {entry.severity}): {entry.summary}\n\n"
            f"{entry.explanation}\n")
