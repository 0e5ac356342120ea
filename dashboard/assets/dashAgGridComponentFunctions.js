/* Cell renderers for AG Grid. SafeLink makes a link only of an http(s) URL (the server
   already dropped anything else; this checks again), and shows any other value as text. */
var dagcomp = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

dagcomp.SafeLink = function (props) {
    var params = props.colDef.cellRendererParams || {};
    var href = props.data ? props.data[params.hrefField] : null;
    var text = params.textField && props.data ? props.data[params.textField] : props.value;
    if (text === null || text === undefined || text === "") { text = props.value || ""; }
    if (typeof href === "string" && /^https?:\/\/[^\s]/i.test(href)) {
        return React.createElement(
            "a", { href: href, target: "_blank", rel: "noopener noreferrer" }, String(text)
        );
    }
    return React.createElement("span", { className: "unlinked" }, String(text));
};

/* What an empty grid says instead of AG Grid's bare "No Rows To Show": why it is empty, from
   noRowsOverlayComponentParams.text (components.empty_overlay). A text node: never HTML. */
dagcomp.EmptyGrid = function (props) {
    return React.createElement("span", { className: "grid-empty" }, String(props.text || ""));
};
