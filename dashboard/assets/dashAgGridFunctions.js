/* Functions for AG Grid (referenced by name from the Python column definitions and grid options).
   Value formatters: screens get $944M and $1.6B; CSV exports keep the raw numbers
   (useValueFormatterForExport). CSV cells: the formula guard of dashboard/csv_safe.py. */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

/* How a number is written: the twin of warehouse/numbers.py (read its docstring for the rule
   and why), step for step. costboardNumber(value, unit, bound, stated): unit a base unit of
   the vocabulary ("usd", "gpu_hours", "count": the grids hold figures in base units), bound
   "lower" | "upper" | "approximate" | "exact", stated true for a figure as its source gave
   it (its digits kept, up to six), false for a computed one (three significant figures).
   tests/browser/test_browser_numbers.py runs tests/warehouse/test_numbers.py's cases through
   both. */
(function () {
    var STATED_DIGITS = 6, COMPUTED_DIGITS = 3, SCALED_FROM = 1e4, SCIENTIFIC_FROM = 1e15;
    var BOUND_SIGNS = { lower: "> ", upper: "< ", approximate: "~ ", exact: "" };
    var BARE_BASES = ["ratio", "count"], SCIENTIFIC_BASES = ["flop", "flop_per_second"];
    var STEPS = [[12, "T"], [9, "B"], [6, "M"], [3, "K"]];

    function power(exponent) { return Math.pow(10, exponent); }
    // amount × 10^exponent, dividing by an exact power for a negative exponent.
    function timesPower(amount, exponent) {
        return exponent >= 0 ? amount * power(exponent) : amount / power(-exponent);
    }
    function magnitude(size) {
        var m = Math.floor(Math.log10(size));
        if (power(m) > size) { m -= 1; }
        if (power(m + 1) <= size) { m += 1; }
        return m;
    }
    function rounded(size, sizeMagnitude, digits) {  // half away from zero (size > 0)
        var shift = digits - 1 - sizeMagnitude;
        return timesPower(Math.round(timesPower(size, shift)), -shift);
    }
    function unitParts(unit) {
        if (unit === null || unit === undefined || unit === "") { return { base: null, before: "", after: "" }; }
        var money = unit === "usd" || unit.indexOf("usd_per_") === 0;
        var after = " " + unit;
        if (unit === "usd" || BARE_BASES.indexOf(unit) >= 0) { after = ""; }
        else if (money) { after = "/" + unit.slice("usd_per_".length); }
        return { base: unit, before: money ? "$" : "", after: after };
    }
    function grouped(integer) { return integer.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }

    dagfuncs.costboardNumber = function (value, unit, bound, stated) {
        if (value === null || value === undefined || value === "") { return "\u2013"; }
        if (typeof value !== "number") { return String(value); }
        if (!isFinite(value)) { return "\u2013"; }
        var parts = unitParts(unit);
        var mark = BOUND_SIGNS.hasOwnProperty(bound || "exact") ? BOUND_SIGNS[bound || "exact"] : "";
        if (parts.base === "date") {
            return mark + new Date(Math.round(value) * 86400000).toISOString().slice(0, 10);
        }
        var sign = value < 0 ? "-" : "";
        if (value === 0) { return mark + parts.before + "0" + parts.after; }
        var size = Math.abs(value), sizeMagnitude = magnitude(size);
        var digits = COMPUTED_DIGITS;
        if (stated !== false) {
            // The fewest figures that write it as it reads at six (float noise gone).
            var full = rounded(size, sizeMagnitude, STATED_DIGITS);
            digits = STATED_DIGITS;
            for (var d = STATED_DIGITS - 1; d >= 1; d--) {
                if (rounded(size, sizeMagnitude, d) === full) { digits = d; }
            }
        }
        var r = rounded(size, sizeMagnitude, digits), mag = magnitude(r);
        var step = 0, letter = "";
        if (SCIENTIFIC_BASES.indexOf(parts.base) >= 0 && r >= SCIENTIFIC_FROM) {
            step = mag; letter = "e" + mag;
        } else if (r >= SCALED_FROM) {
            for (var i = 0; i < STEPS.length; i++) {
                if (r >= power(STEPS[i][0])) { step = STEPS[i][0]; letter = STEPS[i][1]; break; }
            }
        }
        var decimals = Math.max(0, digits - 1 - (mag - step));
        var text = String(Math.round(timesPower(r, decimals - step)));
        while (text.length < decimals + 1) { text = "0" + text; }
        var cut = text.length - decimals;
        var fraction = text.slice(cut).replace(/0+$/, "");
        var number = grouped(text.slice(0, cut)) + (fraction ? "." + fraction : "");
        return mark + sign + parts.before + number + letter + parts.after;
    };
})();

/* A text cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage
   return: OWASP's rule), prefixed with ' so it opens as text; a plain number (-5.2, -1e6) is
   left as it is. The same rule as dashboard/csv_safe.py (tests/browser checks they agree):
   ASCII digits only, and $ is the end of the text (no multiline flag). */
(function () {
    var CSV_TRIGGER = /^[=+\-@\t\r]/;
    var CSV_PLAIN_NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

    dagfuncs.costboardCsvText = function (text) {
        if (CSV_TRIGGER.test(text) && !CSV_PLAIN_NUMBER.test(text)) { return "'" + text; }
        return text;
    };

    /* processCellCallback of every grid's CSV export. With a callback AG Grid no longer applies
       a column's value formatter itself, so this does, where the column asks for it in exports.
       Numbers stay numbers; any other value is guarded as the text the CSV would hold. */
    dagfuncs.costboardCsvCell = function (params) {
        var value = params.value;
        var colDef = params.column ? params.column.getColDef() : {};
        if (colDef.valueFormatter && colDef.useValueFormatterForExport !== false) {
            value = params.formatValue(value);
        }
        if (value === null || value === undefined) { return ""; }
        if (typeof value === "number" || typeof value === "boolean") { return value; }
        return dagfuncs.costboardCsvText(String(value));
    };

    /* processHeaderCallback: the header row is read by a spreadsheet too (a SQL result's
       column is named by the query: AS "=HYPERLINK(...)"). */
    dagfuncs.costboardCsvHeader = function (params) {
        return dagfuncs.costboardCsvText(params.api.getDisplayNameForColumn(params.column, "csv"));
    };
})();
