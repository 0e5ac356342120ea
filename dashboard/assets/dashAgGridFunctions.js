/* Functions for AG Grid (referenced by name from the Python column definitions and grid options).
   Value formatters: screens get 944M and 1.6B; CSV exports keep the raw numbers
   (useValueFormatterForExport). CSV cells: the formula guard of dashboard/csv_safe.py. */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

dagfuncs.costboardNumber = function (value) {
    if (value === null || value === undefined || value === "") { return ""; }
    if (typeof value !== "number") { return String(value); }
    var size = Math.abs(value);
    var steps = [[1e12, "T"], [1e9, "B"], [1e6, "M"]];
    for (var i = 0; i < steps.length; i++) {
        if (size >= steps[i][0]) {
            return parseFloat((value / steps[i][0]).toPrecision(4)) + steps[i][1];
        }
    }
    if (size !== 0 && size < 1e-3) { return value.toExponential(3); }
    return value.toLocaleString("en-US", { maximumFractionDigits: 4 });
};

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
