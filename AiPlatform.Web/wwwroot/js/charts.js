// Draws the platform's Plotly charts (Components/Shared/Charts/PlatformChart). Three rules:
// - a chart is drawn only while its element is visible: a chart in a hidden tab or panel waits (ResizeObserver) and is
//   drawn, at its real width, when it is shown; a chart whose element has left the page is dropped, never an error;
// - colours follow MudBlazor's palette: the light or dark set from ChartTheme, picked from the page's current background
//   and switched on the drawn charts when the user toggles dark mode;
// - nothing here throws into the page: a failure is logged to the console and the chart stays empty.
const plotlyScript = '_content/Plotly.Blazor/plotly-3.7.0.min.js';
const charts = new Map();
const queues = new WeakMap();
let loading = null;
let themeWatch = null;
let lastMode = null;

function loadPlotly() {
    if (window.Plotly) {
        return Promise.resolve(window.Plotly);
    }
    if (!loading) {
        loading = new Promise((resolve, reject) => {
            const existing = document.querySelector('script[data-platform-plotly]');
            const script = existing ?? document.createElement('script');
            script.addEventListener('load', () => resolve(window.Plotly));
            script.addEventListener('error', () => { loading = null; reject(new Error('Plotly could not be loaded')); });
            if (!existing) {
                script.src = new URL(plotlyScript, document.baseURI).href;
                script.async = true;
                script.dataset.platformPlotly = 'true';
                document.head.appendChild(script);
            }
        });
    }
    return loading;
}

function isVisible(element) {
    return element.isConnected && element.getClientRects().length > 0 && element.clientWidth > 0;
}

// The mode from MudBlazor's background colour (#rrggbb or rgb[a](…)): dark when its luminance is under one half.
// Reads a CSS variable only; it must not touch the DOM (the theme watcher would see its own change).
function currentMode() {
    const value = getComputedStyle(document.documentElement).getPropertyValue('--mud-palette-background').trim();
    let rgb = null;
    const hex = /^#([0-9a-f]{6})/i.exec(value);
    if (hex) {
        rgb = [0, 2, 4].map(i => parseInt(hex[1].substring(i, i + 2), 16));
    } else {
        const parts = value.match(/\d+(\.\d+)?/g);
        rgb = parts && parts.length >= 3 ? parts.slice(0, 3).map(Number) : null;
    }
    if (!rgb) {
        return 'light';
    }
    const [r, g, b] = rgb;
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 < 0.5 ? 'dark' : 'light';
}

function themed(layout, modes, mode) {
    const colors = modes?.[mode];
    if (!colors) {
        return layout;
    }
    const result = { ...layout, font: { ...(layout.font ?? {}), color: colors.text } };
    result.hoverlabel = { ...(layout.hoverlabel ?? {}), bgcolor: colors.hoverBackground, bordercolor: colors.line, font: { ...(layout.hoverlabel?.font ?? {}), color: colors.text } };
    result.modebar = { ...(layout.modebar ?? {}), color: colors.muted, activecolor: colors.text };
    for (const key of Object.keys(result)) {
        if (/^[xy]axis\d*$/.test(key)) {
            const axis = result[key] ?? {};
            result[key] = {
                ...axis,
                gridcolor: colors.grid,
                linecolor: colors.line,
                zerolinecolor: colors.line,
                title: axis.title ? { ...axis.title, font: { ...(axis.title.font ?? {}), color: colors.muted } } : axis.title,
            };
        }
    }
    if (!result.xaxis) {
        result.xaxis = { gridcolor: colors.grid, linecolor: colors.line, zerolinecolor: colors.line };
    }
    if (!result.yaxis) {
        result.yaxis = { gridcolor: colors.grid, linecolor: colors.line, zerolinecolor: colors.line };
    }
    return result;
}

// One drawing at a time per element: the first draw, a resize that reveals it and a theme switch can all ask at once.
function schedule(element) {
    const next = (queues.get(element) ?? Promise.resolve())
        .then(() => {
            const state = charts.get(element);
            return state ? render(element, state) : undefined;
        })
        .catch(error => console.warn('chart', error));
    queues.set(element, next);
    return next;
}

async function render(element, state) {
    const Plotly = await loadPlotly();
    if (!state.pending || !element.isConnected || charts.get(element) !== state) {
        return;
    }
    if (!isVisible(element)) {
        // Hidden (a tab or panel not shown): the ResizeObserver draws it when it gets a size.
        element.dataset.chart = 'waiting';
        return;
    }
    state.pending = false;
    state.mode = currentMode();
    lastMode = state.mode;
    await Plotly.react(element, state.data, themed(state.layout, state.modes, state.mode), state.config);
    state.drawn = true;
    element.dataset.chart = 'drawn';
}

function watchTheme() {
    if (themeWatch) {
        return;
    }
    let scheduled = false;
    themeWatch = new MutationObserver(() => {
        if (scheduled || charts.size === 0) {
            return;
        }
        scheduled = true;
        requestAnimationFrame(() => {
            scheduled = false;
            const mode = currentMode();
            if (mode === lastMode) {
                return;
            }
            lastMode = mode;
            for (const [element, state] of charts) {
                if (state.drawn && state.mode !== mode) {
                    state.pending = true;
                    schedule(element);
                }
            }
        });
    });
    // MudThemeProvider rewrites its <style> of palette variables when the mode changes.
    themeWatch.observe(document.documentElement, { subtree: true, childList: true, characterData: true });
}

export async function draw(element, data, layout, config, modes) {
    try {
        if (!element) {
            return;
        }
        const previous = charts.get(element);
        const state = { data: data ?? [], layout: layout ?? {}, config: config ?? {}, modes, drawn: previous?.drawn ?? false, pending: true, observer: previous?.observer };
        charts.set(element, state);
        watchTheme();
        if (!state.observer) {
            state.observer = new ResizeObserver(() => {
                const current = charts.get(element);
                if (!current || !isVisible(element)) {
                    return;
                }
                if (current.pending) {
                    schedule(element);
                } else if (window.Plotly) {
                    try { window.Plotly.Plots.resize(element); } catch (error) { console.warn('chart', error); }
                }
            });
            state.observer.observe(element);
        }
        if (isVisible(element)) {
            await schedule(element);
        }
    } catch (error) {
        console.warn('chart', error);
    }
}

export function dispose(element) {
    try {
        const state = element ? charts.get(element) : null;
        if (!state) {
            return;
        }
        state.observer?.disconnect();
        charts.delete(element);
        if (window.Plotly && element.isConnected) {
            window.Plotly.purge(element);
        }
    } catch (error) {
        console.warn('chart', error);
    }
}
