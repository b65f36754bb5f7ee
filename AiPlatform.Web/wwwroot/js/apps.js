// The app workbench's keyboard shortcuts and file download (an ES module loaded by AppEditorPage).
// Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and redo, Delete removes the selected node or link, Ctrl+S saves now,
// Ctrl+D duplicates the selected node and F fits the graph in view. Ctrl+C / Ctrl+V copy the selected node through the
// system clipboard (also into another app's canvas, in another tab). Keys typed into a field stay the field's (except Ctrl+S).
let handler = null;
let copyHandler = null;
let pasteHandler = null;
let selectedNode = null;
const marker = '{"aiplatform":"app-node"';

/** The selected node as the clipboard's text (set by the page when the selection changes), or null. */
export function select(json) {
    selectedNode = json;
}

function inField(target) {
    return target instanceof Element && (target.closest('input, textarea, select, [contenteditable="true"], .mud-input') !== null);
}

export function attach(dotnet) {
    detach();
    handler = function (e) {
        const ctrl = e.ctrlKey || e.metaKey;
        let name = null;
        if (ctrl && (e.key === 's' || e.key === 'S')) {
            name = 'save';
        } else if (inField(e.target)) {
            return;
        } else if (ctrl && (e.key === 'z' || e.key === 'Z')) {
            name = e.shiftKey ? 'redo' : 'undo';
        } else if (ctrl && (e.key === 'y' || e.key === 'Y')) {
            name = 'redo';
        } else if (!ctrl && (e.key === 'Delete' || e.key === 'Backspace')) {
            name = 'delete';
        } else if (!ctrl && !e.altKey && (e.key === 'f' || e.key === 'F')) {
            name = 'fit';
        } else if (ctrl && (e.key === 'd' || e.key === 'D')) {
            name = 'duplicate';
        }

        if (name !== null) {
            e.preventDefault();
            dotnet.invokeMethodAsync('OnShortcut', name);
        }
    };
    document.addEventListener('keydown', handler);
    copyHandler = function (e) {
        if (selectedNode === null || inField(e.target) || (window.getSelection && String(window.getSelection()).length > 0)) {
            return;
        }

        e.clipboardData.setData('text/plain', selectedNode);
        e.preventDefault();
    };
    pasteHandler = function (e) {
        if (inField(e.target)) {
            return;
        }

        const text = e.clipboardData ? e.clipboardData.getData('text/plain') : '';
        if (text && text.startsWith(marker)) {
            e.preventDefault();
            if (text.length < 16000) {
                dotnet.invokeMethodAsync('OnPaste', text);
            } else {
                // Past SignalR's message size: streamed instead.
                dotnet.invokeMethodAsync('OnPasteStream', DotNet.createJSStreamReference(new TextEncoder().encode(text)));
            }
        }
    };
    document.addEventListener('copy', copyHandler);
    document.addEventListener('paste', pasteHandler);
}

export function detach() {
    if (handler !== null) {
        document.removeEventListener('keydown', handler);
        handler = null;
    }

    if (copyHandler !== null) {
        document.removeEventListener('copy', copyHandler);
        document.removeEventListener('paste', pasteHandler);
        copyHandler = null;
        pasteHandler = null;
    }

    selectedNode = null;
}

export function download(fileName, text, type) {
    const blob = new Blob([text], { type: type || 'text/plain' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
}
