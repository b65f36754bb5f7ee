// Small page helpers called through JS interop. They live here, not in inline scripts or eval, because the
// Content-Security-Policy allows scripts from the platform's own origin only.
window.aiPlatform = {
    scrollIntoView: function (id) {
        const element = document.getElementById(id);
        if (element) {
            element.scrollIntoView({ block: 'center' });
        }
    },
    scrollToBottom: function (id) {
        const element = document.getElementById(id);
        if (element) {
            element.scrollTop = element.scrollHeight;
        }
    }
};

// In a field marked data-enter-sends (the chat composer), Enter sends (the page handles the keydown) and must not also
// add a line; Shift+Enter and Enter that ends an IME composition keep the browser's default.
document.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.target instanceof Element && e.target.closest('[data-enter-sends]')) {
        e.preventDefault();
    }
}, true);
