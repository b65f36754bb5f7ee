// The app workbench's keyboard shortcuts and file download (an ES module loaded by AppEditorPage).
// Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and redo, Delete removes the selected node or link, Ctrl+S saves now and
// F fits the graph in view. Keys typed into a field stay the field's (except Ctrl+S).
let handler = null;

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
        }

        if (name !== null) {
            e.preventDefault();
            dotnet.invokeMethodAsync('OnShortcut', name);
        }
    };
    document.addEventListener('keydown', handler);
}

export function detach() {
    if (handler !== null) {
        document.removeEventListener('keydown', handler);
        handler = null;
    }
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
