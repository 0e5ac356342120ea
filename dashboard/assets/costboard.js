/* costboard: client-side helpers. Served from assets/, like everything else. */
window.dash_clientside = window.dash_clientside || {};
window.dash_clientside.costboard = {
    /* Put the page's state into the address bar without a reload or a history entry, so
       the URL is always a link to this view (pinned to a concrete snapshot id). */
    writeUrl: function (states) {
        var state = (states || []).find(function (s) { return s; });
        if (!state) { return window.dash_clientside.no_update; }
        if (window.location.pathname !== state.path) { return window.dash_clientside.no_update; }
        if (window.location.search !== state.search) {
            window.history.replaceState(window.history.state, "", state.path + state.search);
        }
        return state.search;
    },
    exportCsv: function (clicks) {
        return Boolean(clicks);
    }
};
