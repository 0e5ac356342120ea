/* Value formatters for AG Grid cells (referenced by name from the Python column definitions).
   Screens get 944M and 1.6B; CSV exports keep the raw numbers (useValueFormatterForExport). */
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
