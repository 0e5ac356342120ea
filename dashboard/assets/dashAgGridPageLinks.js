/* A cell renderer for links to the dashboard's own pages (the Gaps page's subjects link to
   their overviews). PageLink makes a link only of a path on this site ("/..." but never
   "//host..." or a scheme), and shows anything else as text: the server builds these paths,
   this checks again, as SafeLink does for http(s) sources. */
var dagcomp = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

dagcomp.PageLink = function (props) {
    var params = props.colDef.cellRendererParams || {};
    var href = props.data ? props.data[params.hrefField] : null;
    var text = props.value === null || props.value === undefined ? "" : String(props.value);
    if (typeof href === "string" && /^\/(?![\/\\])/.test(href)) {
        return React.createElement("a", { href: href, className: "page-link" }, text);
    }
    return React.createElement("span", { className: "unlinked" }, text);
};
