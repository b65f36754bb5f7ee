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

// Chat. Copying goes through the clipboard API (a textarea and execCommand where it is unavailable: plain http).
// A message list marked data-follow-scroll follows a growing answer only while the reader is at its bottom: scrolling
// up marks it data-scrolled-up (the page's "jump to latest" button shows), and follow() then leaves it where it is.
(function () {
    const slack = 48;

    // Control and text-direction characters (ESC sequences, bracketed-paste ends, RLO/LRI …) from a model's answer never
    // reach the clipboard: pasted into a terminal they could run something other than what the page showed.
    const invisible = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u200C\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;

    function copyText(text) {
        text = String(text).replace(invisible, '');
        if (navigator.clipboard && window.isSecureContext) {
            return navigator.clipboard.writeText(text);
        }
        const area = document.createElement('textarea');
        area.value = text;
        area.setAttribute('readonly', '');
        area.style.position = 'fixed';
        area.style.opacity = '0';
        document.body.appendChild(area);
        area.select();
        document.execCommand('copy');
        area.remove();
        return Promise.resolve();
    }

    function atBottom(element) {
        return element.scrollHeight - element.scrollTop - element.clientHeight <= slack;
    }

    function toBottom(element) {
        element.scrollTop = element.scrollHeight;
        element.removeAttribute('data-scrolled-up');
    }

    window.aiPlatform.chat = {
        copy: copyText,
        // Opening a conversation or sending: show the newest message whatever the position.
        toBottom: function (id) {
            const element = document.getElementById(id);
            if (element) {
                toBottom(element);
            }
        },
        // New tokens: keep the newest in view only for a reader who has not scrolled up.
        follow: function (id) {
            const element = document.getElementById(id);
            if (element && !element.hasAttribute('data-scrolled-up')) {
                toBottom(element);
            }
        }
    };

    document.addEventListener('scroll', function (e) {
        const element = e.target;
        if (element instanceof Element && element.hasAttribute('data-follow-scroll')) {
            element.toggleAttribute('data-scrolled-up', !atBottom(element));
        }
    }, true);

    document.addEventListener('click', function (e) {
        if (!(e.target instanceof Element)) {
            return;
        }
        const jump = e.target.closest('[data-jump-latest]');
        if (jump) {
            const element = document.getElementById(jump.getAttribute('data-jump-latest'));
            if (element) {
                toBottom(element);
            }
            return;
        }
        const button = e.target.closest('[data-copy-code]');
        const code = button && button.closest('.code-block') && button.closest('.code-block').querySelector('pre');
        if (code) {
            copyText(code.textContent).then(function () {
                const label = button.textContent;
                button.textContent = button.getAttribute('data-copied-label') || label;
                setTimeout(function () { button.textContent = label; }, 1500);
            });
        }
    });
})();
