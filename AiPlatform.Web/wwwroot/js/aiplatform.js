// Small page helpers called through JS interop. They live here, not in inline scripts or eval, because the
// Content-Security-Policy allows scripts from the platform's own origin only.
window.aiPlatform = {
    scrollIntoView: function (id) {
        const element = document.getElementById(id);
        if (element) {
            element.scrollIntoView({ block: 'center' });
        }
    }
};
