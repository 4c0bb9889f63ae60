"""The reveal.js page every deck is rendered into: nbconvert's template, offline, plus the fit script.

Kept apart from :mod:`jwt_course.tooling.slides` (the tagger and the exporter) because it is mostly CSS
and JavaScript that runs in the browser; tests/test_browser_render.py checks what it does there.
"""

from __future__ import annotations

# Runs in the deck before reveal.js starts: lays every slide out on the canvas and moves what does
# not fit to a continuation sub-slide. Measured, not estimated: fonts, wrapping and images included.
FIT_SCRIPT = r"""
function jwtCourseFit(W, H) {
  const reveal = document.querySelector(".reveal");
  const slides = reveal.querySelector(".slides");
  const LIMIT = H - 16;         // a little air at the bottom
  const DIVE = new Set(["DIV", "SECTION", "UL", "OL", "TABLE", "TBODY", "BLOCKQUOTE", "DETAILS", "ASIDE"]);
  reveal.classList.add("jwt-measure");
  slides.style.width = W + "px";
  const shown = (el) => el.getClientRects().length > 0;
  const content = (el) => shown(el) && (el.textContent.trim() !== "" || el.querySelector("img, svg, canvas, video"));
  const leaves = () => [...slides.querySelectorAll("section")].filter((s) => !s.querySelector("section"));
  function moveFrom(node, into) {
    while (node) { const next = node.nextSibling; into.appendChild(node); node = next; }
  }
  function partialClone(node) {
    const copy = node.cloneNode(false);
    copy.removeAttribute("id");
    if (copy.classList) copy.classList.remove("fragment");
    return copy;
  }
  function cutPre(pre, limit) {
    // the first line (after a newline) whose first character ends below the limit starts the rest
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    const first = pre.getBoundingClientRect().top;
    let pending = null;  // [text node, offset] just after the last newline seen
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const data = text.data;
      for (let at = 0; at < data.length; at++) {
        if (data[at] === "\n") { pending = [text, at + 1]; continue; }
        if (!pending) continue;
        range.setStart(text, at);
        range.setEnd(text, at + 1);
        const box = range.getBoundingClientRect();
        if (box.bottom > limit) {
          if (box.top - first < 20) return null;  // not even one line fits
          range.setStart(pending[0], pending[1]);
          range.setEnd(pre, pre.childNodes.length);
          const rest = partialClone(pre);
          rest.appendChild(range.extractContents());
          return rest;
        }
        pending = null;
      }
    }
    return null;
  }
  function cut(node, limit, sectionTop) {
    const kids = [...node.children].filter(content);
    const i = kids.findIndex((k) => k.getBoundingClientRect().bottom > limit);
    if (i < 0) return null;
    const k = kids[i];
    const box = k.getBoundingClientRect();
    const before = box.top - sectionTop > 30;  // the slide already shows something above k
    const rest = partialClone(node);
    if (before && box.height <= LIMIT - 30) {  // k fits on a slide of its own: move it whole
      moveFrom(k, rest);
      return rest;
    }
    let inner = null;
    if (k.tagName === "PRE") {
      const style = getComputedStyle(k);
      inner = cutPre(k, limit - parseFloat(style.paddingBottom) - parseFloat(style.borderBottomWidth));
    } else if (DIVE.has(k.tagName)) {
      const bottoms = [...k.children].filter(content).map((c) => c.getBoundingClientRect().bottom);
      const trailing = bottoms.length ? Math.max(0, box.bottom - Math.max(...bottoms)) : 0;
      inner = cut(k, limit - trailing, sectionTop);
    }
    if (inner) {
      if (k.tagName === "TABLE" && k.tHead && inner.tagName === "TABLE" && !inner.tHead) {
        inner.insertBefore(k.tHead.cloneNode(true), inner.firstChild);
      }
      if (k.tagName === "OL") inner.start = (k.start || 1) + [...k.children].filter((c) => c.tagName === "LI").length;
      const after = k.nextSibling;
      rest.appendChild(inner);
      moveFrom(after, rest);
      return rest;
    }
    if (before) { moveFrom(k, rest); return rest; }
    return null;
  }
  const queue = leaves();
  let made = 0;
  while (queue.length && made < 500) {
    const section = queue.shift();
    const top = section.getBoundingClientRect().top;
    if (section.scrollHeight <= LIMIT) continue;
    const rest = cut(section, top + LIMIT, top);
    if (!rest) continue;  // one block taller than the canvas: the slide test reports it
    // a continuation says what it continues, unless it opens with a heading of its own
    const headings = [...section.querySelectorAll("h1, h2, h3")];
    const title = headings.length ? headings[headings.length - 1].textContent.replace("\u00b6", "").trim()
                                  : section.getAttribute("data-jwt-continued") || "";
    rest.setAttribute("data-jwt-continued", rest.querySelector("h1, h2, h3") ? "" : title);
    rest.removeAttribute("data-transition");
    section.after(rest);
    queue.unshift(section, rest);  // the part kept may still end a few pixels low (wrappers' padding)
    made += 1;
  }
  slides.style.width = "";
  reveal.classList.remove("jwt-measure");
  return made;
}
"""

# nbconvert's reveal template with every CDN reference removed or pointed at the local copy.
TEMPLATE = (
    """\
{%- extends 'index.html.j2' -%}

{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}

{%- block html_head_css -%}
<style type="text/css">
/* Nothing scrolls or is clipped: long lines wrap, media shrink, tall slides are split (FIT_SCRIPT). */
.reveal .slides section { overflow: visible; }
.reveal pre, .reveal .highlight pre, .reveal .jp-OutputArea-output pre {
    white-space: pre-wrap !important; overflow-wrap: anywhere; word-break: normal; overflow: visible !important;
}
.reveal code, .reveal p, .reveal li, .reveal td, .reveal th { overflow-wrap: anywhere; }
.reveal table { max-width: 100%; table-layout: auto; }
.reveal img, .reveal svg, .reveal video, .reveal canvas { max-width: 100%; max-height: 680px; width: auto; height: auto; }
.reveal .jp-OutputArea-output, .reveal .jp-RenderedHTMLCommon, .reveal .jp-CodeMirrorEditor, .reveal .cm-editor {
    overflow: visible !important;
}
.reveal pre { box-sizing: border-box; max-width: 100%; }
.reveal.jwt-measure .slides section { display: block !important; }
.reveal .slides section[data-jwt-continued] > :first-child { margin-top: 0; }
.reveal .slides section[data-jwt-continued]:not([data-jwt-continued=""])::before {
    content: attr(data-jwt-continued) " (continued)"; display: block; text-align: left;
    font-size: 16px; line-height: 1.4; color: #6b6b6b; margin: 0 0 6px 0;
}
:root {
    --jp-ui-font-size1: 18px;
    --jp-content-font-size1: 18px;
    --jp-code-font-size: 16px;
}
</style>
{%- endblock html_head_css -%}

{#- Pygments output is already escaped HTML: skip nbconvert's bleach pass over it (a third of the time). -#}
{% block input %}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
     </div>
</div>
{%- endblock input %}

{#- An SVG output keeps its accessible name (its aria-label) as the image's alt text. -#}
{% block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
<img src="data:image/svg+xml;base64,{{ output.data['image/svg+xml'] | text_base64 | escape_html }}" alt="{{ output.data['image/svg+xml'] | svg_alt | escape_html }}">
</div>
{%- endblock data_svg %}

{% block footer_js %}
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"></script>
<script>
{% raw %}"""
    + FIT_SCRIPT
    + """{% endraw %}
window.addEventListener("load", function () {
    jwtCourseFit({{ resources.reveal.width }}, {{ resources.reveal.height }});
    Reveal.initialize({
        controls: true,
        progress: true,
        hash: true,
        transition: "{{ resources.reveal.transition | default('slide', true) }}",
        slideNumber: "{{ resources.reveal.number }}",
        width: {{ resources.reveal.width }},
        height: {{ resources.reveal.height }},
        plugins: [RevealNotes],
    });
});
</script>
{% endblock footer_js %}
"""
)
