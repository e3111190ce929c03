"""Part of stage 2, clean: drop page boilerplate from an article's text, line by line.

Scraped articles carry text that is not the article: share widgets, "Advertisement"
labels, paywall and donation appeals, comment forms, cookie notices, newsletter boxes,
wire-service credits and trailing "Related Content" teasers. None of it may ever come back
as a cited source, and none of the article's own text may be lost, so the rules are
deliberately narrow:

1. **Whole-line labels** (case-insensitive, bullets and trailing ``:.|`` ignored):
   "Advertisement", "Share", "Follow us on", "Related Content", "Top Stories",
   "Leave a Reply", "Back to Top", "Print", "Email", … and "N minute read".
2. **Social and menu rows**: lines whose only words are social-network names ("• whatsapp",
   "Facebook Twitter Email"), optionally after "Share on"/"Follow us on"; rows of widget fields
   split by " | ", " · ", " • ", " * " or a dash ("Share on Facebook | Tweet | Email", "Comments (6) —
   Leave a comment", "Subscribe | Sign in", "Advertisement - Continue reading below"); and navigation
   menus, rows made mostly of section names ("Home | News | Local | Sport", "News Crime Courts Schools
   Weather Jobs", "Home - National - Business - World").
3. **Boilerplate phrases** anywhere in a line: comment-form instructions ("Allowed HTML tags",
   "the content of this field is kept private"), cookie notices ("We use cookies…"),
   newsletter boxes ("Sign up…", "…delivered to your inbox", "Newsletter: … - sign up free"),
   notification prompts ("Get breaking news alerts - Enable notifications"), paywall prompts and
   meters ("Already a subscriber? Log in", "Subscribe now for just $1 a week", "You have 2 free
   articles left this month", "Subscribers only: …", "Support local journalism - subscribe …"),
   "This story will be updated", pop-up buttons ("Show me later"),
   copyright/rights lines, wire credits ("Reporting by … Editing by …"), credit-only photo lines
   ("Image source, Getty Images", "Photo: AFP"; captions are kept), "Read more: …" links,
   translation/republication notes and site notices ("… available for archival purposes").
4. **Appeal blocks**: a paywall/donation/site-notice appeal ("Dear Reader,", a pitch with a price
   per month addressed to *you*, "Support our journalism") drops the run of lines after it
   that still read as the appeal: lines addressing the reader (you/we/our, no quotes or
   reporting verbs), list items, prices, and short sign-off lines ("Thank you,",
   "Jane Doe, Editor-in-Chief").
5. **Teaser sections**: after a "Related Content" / "More news from" / "Related Topics" header,
   the rest of the article is dropped when it is only short lines (headlines, dates, labels);
   in mid-article, only the short headline-like lines right after a related-links header go.
6. **Comments**: under a comments header ("Reader comments (96)", "Join the conversation"), the
   readers' "Name: text" lines.
7. **Headline lists ending the page**: two or more bulleted or numbered short headline-like lines at
   the end of the page (before footers), unless the line before them ends with ":" (a list the
   story introduces).

Site footers ("Port Aldwin Gazette | Terms | Privacy | Cookie settings"), consent banners ("We and
our 212 partners store data on your device"), trial offers, author boxes ("About the author: …") and
photo credits after a caption ("… on Lake Ostra. (Photo: Johan Breel/Agency)") go too.

Lines that look like datelines ("Published: …", "Last updated: …") are never dropped, and
neither is the headline (the line :func:`qa.clean.guess_title` would pick).
"""

from __future__ import annotations

import re

# --- 1. whole-line labels --------------------------------------------------------------------

_LABELS = {
    # ads and sponsorship
    "advertisement", "advertisements", "advert", "ad", "sponsored", "sponsored content", "promoted",
    "story continues below advertisement", "story continues below", "continue reading below", "scroll to continue",
    # sharing and following
    "share", "share this", "share this article", "share this page", "share this story", "share article",
    "share story", "share via", "tweet", "follow us", "follow us on", "follow", "copy link", "link copied",
    # related / navigation
    "related", "related content", "related articles", "related stories", "related news", "related posts",
    "related coverage", "related topics", "related links", "more news from", "more from", "more stories",
    "more on this story", "more on this topic", "more news", "read more", "read next", "read also",
    "also read", "see also", "top stories", "trending", "trending now", "most read", "most popular",
    "most viewed", "editor's picks", "editors' picks", "recommended", "recommended for you",
    "recommended stories", "you may also like", "you might also like", "latest news", "latest stories",
    "don't miss", "skip to content", "skip to main content", "menu", "home", "back to top", "top",
    "next article", "previous article", "next story", "previous story", "topics", "tags",
    # newsletters and accounts
    "sign up", "sign up for our newsletter", "subscribe", "subscribe now", "subscribe to our newsletter",
    "newsletter", "newsletters", "sign in", "log in", "login", "register", "create an account",
    # comments
    "comments", "comment", "leave a reply", "leave a comment", "post new comment", "post a comment",
    "add a comment", "add comment", "show comments", "view comments", "join the conversation",
    "comments are closed", "comments have been closed", "reply",
    # page tools and pop-up buttons
    "print", "print this article", "email", "e-mail", "save", "save article", "bookmark",
    "listen to this article", "listen", "close", "accept", "accept all", "accept all cookies",
    "reject all", "manage cookies", "cookie settings", "cookie policy", "privacy policy",
    "show me later", "don't show it again", "remind me later", "no thanks", "maybe later", "continue",
    "all rights reserved",
    # text-size switches
    "text size", "normal text size", "larger text size", "large text size", "very large text size",
    "small text size", "smaller text size",
}
_MINUTE_READ = re.compile(r"^(\d+|one|two|three|four|five|ten)[\s-]*(min|mins|minute|minutes)[\s-]+read$")
_COMMENT_COUNT = re.compile(
    r"^\d+ (comments?|replies|shares)$|^((reader |readers' )?comments?|replies) \(\d+\)$"
    r"|^join the conversation \(\d+( comments?)?\)$"
)
# the header of a comments section: the "Name: text" lines under it are readers', not the story's
_COMMENTS_HEADER = re.compile(r"^((reader|readers'|your) )?comments?( \(\d+\))?$|^join the conversation( \(\d+( comments?)?\))?$")
_COMMENT_LINE = re.compile(r"^[\w.'’ -]{1,40}:\s+\S")
# footer links: "Privacy policy | Cookie settings | Advertise with us | (c) Port Hallow Gazette Ltd"
_FOOTER_LINKS = {
    "privacy", "privacy policy", "privacy notice", "privacy & cookies", "privacy and cookies", "cookies",
    "cookie policy", "cookie settings", "terms", "terms of use", "terms of service", "terms and conditions",
    "terms & conditions", "contact", "contact us", "about", "about us", "advertise", "advertise with us",
    "complaints", "accessibility", "careers", "corrections", "ethics policy", "ad choices", "sitemap",
    "site map", "help", "faq", "report an error", "leave a comment", "contact the newsroom",
}
_FOOTER_MIN_LINKS = 2

# --- 2. social and menu rows ------------------------------------------------------------------

_NETWORKS = {
    "facebook", "twitter", "x", "whatsapp", "telegram", "linkedin", "reddit", "pinterest", "email",
    "e-mail", "mail", "google-news", "google", "news", "flipboard", "messenger", "instagram", "youtube",
    "tiktok", "threads", "bluesky", "mastodon", "snapchat", "print", "sms", "viber", "vk", "weibo",
    "wechat", "tumblr", "pocket", "copy", "link", "rss", "tweet", "f",
}
# the fields of a row of widgets or menu items ("Share on Facebook | Tweet | Email")
_FIELD_SEPARATOR = re.compile(r"\s+[|·•—–*→-]\s+|\s*\]\s*\[\s*|^\s*\[\s*|\s*\]\s*$")
# section names of a site's navigation menu, word by word ("Home | News | Police & Courts | What's On")
_SECTIONS = {
    "home", "news", "local", "national", "world", "international", "regional", "region", "metro", "city",
    "sport", "sports", "business", "money", "markets", "economy", "companies", "jobs", "careers",
    "classifieds", "property", "opinion", "opinions", "comment", "analysis", "letters", "editorials",
    "columnists", "obituaries", "politics", "crime", "courts", "police", "schools", "education", "health",
    "science", "environment", "climate", "tech", "technology", "culture", "arts", "entertainment", "music",
    "film", "tv", "books", "life", "lifestyle", "style", "travel", "food", "weather", "traffic", "events",
    "community", "video", "videos", "photos", "podcasts", "podcast", "live", "menu", "search", "contact",
    "subscribe", "planning", "research", "policy", "features", "magazine", "puzzles", "games", "what's",
    "personal", "finance", "work", "autos", "motoring", "uk", "us", "europe", "asia", "africa", "americas",
}
_MENU_GLUE = {"&", "and", "+", "on", "menu:"}
_MENU_MIN_SECTIONS = 3  # "Crime and courts" is a subheading; three section names make a menu
_MENU_SHARE = 0.6
_SOCIAL_PREFIX = re.compile(
    r"^(share this( live)?( article| story| page| post| video| blog)?|share|follow us|follow|find us|join us)( on| via| at)?\b"
)

# --- 3. phrases ------------------------------------------------------------------------------

_PHRASES = [
    # comment forms (Drupal, WordPress, ...)
    r"\ballowed html tags\b",
    r"\bweb page addresses and e-?mail addresses turn into links\b",
    r"^lines and paragraphs break automatically\b",
    r"\bcontent of this field is kept private\b",
    r"^more information about formatting options\b",
    r"\byour e-?mail address will not be published\b",
    r"\brequired fields are marked\b",
    r"\bsave my name, e-?mail,? and website\b",
    r"^you must be logged in to (post a )?comment\b",
    r"^(comments are|all comments are) (moderated|subject to)\b",
    # cookie notices
    r"^(cookie (notice|policy|consent)\s*:\s*)?(we|this (web)?site|our (web)?site|we and our partners) uses? cookies\b",
    r"^cookies help us\b",
    # consent banners: "Cookies: We and our 212 partners store data on your device. OK | Settings",
    # "We value your privacy. We and our partners use cookies ..."
    r"^(cookies?|cookie (notice|policy|consent|settings)|privacy|your privacy)\s*:",
    r"\bwe and our (\d[\d,]* )?(partners|vendors)\b",
    r"^we (value|care about|respect) your privacy\b",
    r"\b(store|access|stores|accesses) (and/or access )?(data|information) on (your|a|the user's) device\b",
    r"^by (continuing|using|clicking|browsing)\b.*\b(site|website|cookies|agree|consent)\b",
    # newsletter boxes and app promos
    r"^sign up\b.*\b(newsletter|inbox|updates|e-?mail|free|alerts)\b",
    r"\b(delivered|sent) (straight |directly )?to your inbox\b",
    r"\b(straight|directly|right) to your inbox\b",
    r"^subscribe to\b.*\b(newsletter|inbox)\b",
    r"^(log ?in|sign in|register)\b.{0,40}\bto (save|read|continue|bookmark)\b",
    r"\balready (a )?(subscriber|member)\?",
    r"^enter your e-?mail\b",
    r"^by (signing up|subscribing|registering)\b",
    r"^(get|receive) (our|the) [\w' -]{0,40}newsletter\b",
    r"^download (the|our) [\w' -]{0,60}\bapp\b",
    r"^(newsletter|briefing)\s*:.*\bsign up\b",
    r"\bin your inbox\b.*\bsign up\s*$",
    r"^(get|enable|turn on|switch on)\b.{0,40}\b(notifications|news alerts)\b",
    r"^breaking news alerts\b",
    r"\bnewsletter\b.*[\[(]?\b(sign up|subscribe|join)( free| now| here)?\W*$",  # "... newsletter. [Sign up free]"
    r"^(get|receive|don't miss)\b.{0,40}\bnewsletter\b",
    # paywall meters and pitches
    r"\byou have (\d+|one|two|three) free (articles?|stories|story|reads?) (left|remaining)\b",
    r"^subscribe\s*:",
    r"^subscribe (from|for) \w",
    r"^subscribers only\s*:",
    # trial offers: "Free trial: 30 days of Markets North Pro for 1 mark. Start now"
    r"^(\d+-day )?free trial\s*:",
    r"\b(start|begin|claim) (your|a) (\d+-day )?free trial\b",
    r"^support (local|independent|quality) journalism\b",
    # live-page banners
    r"\bthis (article|story|page|live page) will be updated\b",
    # pop-up buttons glued to a banner line
    r"\b(show me later|don't show (it|this) again|remind me later)$",
    # copyright and rights
    r"^(©|\(c\)|copyright\b)",
    r"\ball rights reserved\b",
    r"^this material may not be (published|reproduced)\b",
    # wire credits and attribution footers
    r"^\(?(additional )?(reporting|writing|editing|compiled|graphics|research) by\b",
    r"^photo captions and (additional )?reporting by\b",
    # author boxes: "About the author: …", "… Follow him @jvestergaard."
    r"^about the (author|writer|reporter)\b",
    r"\bfollow (him|her|them|me) (on [\w ]{1,12} )?at @\w|\bfollow (him|her|them|me) (on [\w ]{1,12} )?@\w",
    # comment-section notices and lists of the most read
    r"^comments (are|have been) (now )?closed\b",
    r"^most (read|popular|viewed|shared)( (on|in) [\w&' -]{1,40})?$",
    r"^most (read|popular|viewed|shared)( (on|in) [\w&' -]{1,40})?\s*:",
    r"\bcontributed (to )?(this )?(report|story|reporting)\.?\)?$",
    r"^our standards:",
    r"^(tags|topics|filed under|categories|related topics)\s*:",
    # link lines
    r"^(read more|read also|also read|see also|related|read|more|watch|listen)\s*[:|]\s*\S",
    # republication / translation notes
    r"^this (article|story|report|piece|interview) (is|was|has been) (an? )?(edited |abridged )?"
    r"(translation|translated|originally (published|appeared)|first (published|appeared)|republished)\b",
]
# site notices ("… is going through a transitional phase …", "… for archival purposes only")
_NOTICE = (
    r"\bavailable for archiv\w* purposes\b"
    r"|\b(is|are) (currently )?(going through|undergoing) (a )?(transitional|transition|scheduled maintenance)\b"
    r"|\bthis (web)?site (is|has) (no longer (being )?updated|moved)\b"
)
_PHRASE_RE = re.compile("|".join(f"(?:{p})" for p in [*_PHRASES, _NOTICE]))

# credit-only photo lines: "Image source, Getty Images", "Photo: AFP", "Photograph: Reuters"
_CREDIT = re.compile(
    r"^(image|photo|photograph|picture|video|graphic)( source| credit)?s?\s*[:,]\s*(?P<rest>.*)$"
)
_SOURCE_LINE = re.compile(r"^sources?\s*:\s*(?P<rest>.*)$")
# "Michael M. Santiago—Getty Images", "Jane Doe / Reuters": a photographer and a photo agency
_AGENCIES = (r"getty images|reuters|ap( photo)?|afp|epa(-efe)?|shutterstock|bloomberg|alamy"
             r"|pa( images| wire)?|anadolu( agency)?|xinhua|sipa")
_AGENCY_CREDIT = re.compile(rf"^[a-z][\w.'’ -]{{1,40}}?\s*[—/|]\s*({_AGENCIES})( via [\w ]{{1,30}})?$")
# a credit glued to the end of a caption line: "… Erdogan meet in Moscow. ©AFP", "… 2014. AFP/Iraqi
# Prime Minister's Office", "Turkish Foreign Minister Mevlut Cavusoglu ©AP"
_CREDIT_TAIL = re.compile(
    r"\s+©\s*[A-Z][\w.&'’-]*(\s*/\s*[A-Z][\w.&'’-]*|\s+[A-Z][\w.&'’-]*){0,4}\s*$"
    rf"|(?<=[.!?])\s+(?i:{_AGENCIES})(\s*/\s*[A-Z][\w.&'’ -]{{0,60}})?\s*$"
    # "… at the signing ceremony. Photo: Dario Menck/Reuven Images", "… Lake Ostra. (Photo: Johan Breel/Agency)"
    r"|(?<=[.!?])\s+[\[(]?(?i:photo|photograph|picture|image)(?i: credit)?s?\s*:\s*[A-Z][\w.&'’ -]{0,40}"
    r"(/[\w.&'’ +-]{1,40})?[\])]*\s*$"
)

# --- 4. appeal blocks ------------------------------------------------------------------------

_APPEAL_START = re.compile(
    r"^dear (valued |loyal )?(reader|readers|subscriber|subscribers|visitor|visitors|friend|friends)\b"
    r"|\bsmall favou?r to ask\b"
    r"|\bsupport (us|our (journalism|work|reporting|newsroom)|independent journalism|quality journalism)\b"
    r"|\b(make|making) a (one-off |monthly |small )?(contribution|donation)\b"
    r"|^(please )?(donate|contribute|become a (member|subscriber|supporter))\b"
    rf"|{_NOTICE}"
)
_PRICE = re.compile(
    r"([$€£]\s?\d[\d.,]*|\d[\d.,]*\s?[$€£]|\d[\d.,]*\s?(dollars|euros|pounds))\s*"
    r"(a|per|/|each|every)\s*(month|year|week|day)"
)
_PITCH_WORDS = re.compile(
    r"\b(subscri\w*|premium|ads|ad-free|upgrade|paywall|membership|donat\w*|contribut\w*"
    r"|(get|receive|unlimited|full|digital) access)\b"
)
_ADDRESS = re.compile(r"\b(you|your|yours|we|our|us)\b")
_IMPERATIVE = re.compile(r"^(subscribe|join|upgrade|try|start|get|become|sign up)\b")  # "Subscribe now for $1 a week"
_REPORTED = re.compile(r"[\"“”]|\b(said|says|told|according to|added|reported)\b")
_BULLET = re.compile(r"^([•·▪◦‣*+–>»-]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")

# --- dates (never dropped outside teaser sections) -------------------------------------------

_MONTH = (
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
)
_DATELINE = re.compile(
    rf"^(published|updated|last updated|posted|first published|modified|date)\b"
    rf"|\b{_MONTH}\.? \d{{1,2}},? \d{{4}}\b|\b\d{{1,2}} {_MONTH}\.? \d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
)

# --- 5. teaser sections ----------------------------------------------------------------------

_SECTION_HEADERS = {
    "related", "related content", "related articles", "related stories", "related news", "related posts",
    "related coverage", "related topics", "related links", "more news from", "more from", "more stories",
    "more on this story", "more on this topic", "more news", "read more", "read next", "also read",
    "see also", "top stories", "trending", "trending now", "most read", "most popular", "most viewed",
    "editor's picks", "editors' picks", "recommended", "recommended for you", "recommended stories",
    "you may also like", "you might also like", "latest news", "latest stories", "don't miss", "topics",
    "tags",
}
# "Latest in Crypto", "More TechCrunch": headers of a trailing teaser section only
# (matched on the line itself: a name follows, capitalised, and no full stop ends it)
_SECTION_HEADER_RE = re.compile(
    r"^(?i:latest (in|from|on)) [A-Z][\w' &-]{1,30}$|^(?i:more( from| in)?) [A-Z][\w'-]*( [A-Z][\w'-]*)?$"
)
# headers after which short headline-like lines are teasers even in mid-article
_MID_SECTION_HEADERS = {h for h in _SECTION_HEADERS if h.startswith(("related", "more ", "you m", "read", "also", "see"))}
_TEASER_MAX_WORDS = 15
_TEASER_MAX_LINES = 20
_LISTED_HEADLINE_MIN_WORDS = 4


def _key(line: str) -> str:
    """A line reduced for label matching: lower case, no bullets, no trailing ``:.|>`` punctuation."""
    key = line.strip().lower().replace("’", "'")
    if re.fullmatch(r"\[[^\[\]]*\]", key):  # "[Advertisement]", "[ Share ]"
        key = key[1:-1].strip()
    key = re.sub(r"^[\^•·▪◦‣*+–—|>»›-]+\s*", "", key)
    key = re.sub(r"[\s:.|>»›…—–-]+$", "", key)
    return re.sub(r"\s+", " ", key)


def _is_label(key: str) -> bool:
    return key in _LABELS or bool(_MINUTE_READ.match(key) or _COMMENT_COUNT.match(key))


def _is_social(key: str) -> bool:
    rest = _SOCIAL_PREFIX.sub("", key).strip().lstrip(":").strip()
    if not rest:
        return False
    tokens = [t for t in re.split(r"[\s,|/·•]+", rest) if t]
    return 0 < len(tokens) <= 10 and all(t in _NETWORKS for t in tokens) and rest != "news"


def _is_credit(line: str) -> bool:
    """A credit without a caption: after "Photo:"/"Image source,"/"Source:", only names (capitalised)."""
    line = line.strip()
    if _AGENCY_CREDIT.match(line.lower()):
        return True
    match = _CREDIT.match(line.lower()) or _SOURCE_LINE.match(line.lower())
    if not match:
        return False
    words = line[match.start("rest"):].split()
    return len(words) <= 6 and all(w[0].isupper() or w[0] in "©(/&" or w in _CREDIT_GLUE for w in words)


_CREDIT_GLUE = {"via", "and", "for", "of", "the", "news", "agencies", "wires", "staff", "/", "-", "|"}


def _is_dateline(key: str) -> bool:
    return bool(_DATELINE.search(key))


def _line_rule(line: str) -> bool:
    """True when a single line is boilerplate on its own (rules 1–3)."""
    key = _key(line)
    if not key:
        return False
    if _is_widget(line):
        return True
    if line.rstrip().endswith(":") and key.startswith("follow ") and _is_short(key, 5):
        return True  # "Follow Al Jazeera English:"
    return bool(_PHRASE_RE.search(key)) or _is_pitch(key)


def _is_pitch(key: str) -> bool:
    """A paywall pitch: a price per month/year addressed to the reader (or an imperative, "Subscribe now
    for $1 a week"), with subscription words."""
    return bool(
        _PRICE.search(key) and _PITCH_WORDS.search(key) and (_ADDRESS.search(key) or _IMPERATIVE.match(key))
        and not _REPORTED.search(key)
    )


def _starts_appeal(key: str) -> bool:
    return bool(_APPEAL_START.search(key)) and not _REPORTED.search(key) or _is_pitch(key)


def _is_short(key: str, words: int = 8) -> bool:
    return len(key.split()) <= words


def _continues_appeal(line: str) -> bool:
    """A line that still reads as part of an appeal block (rule 4)."""
    key = _key(line)
    if _is_dateline(key):
        return False
    if _line_rule(line) or _starts_appeal(key):
        return True
    if _REPORTED.search(key):
        return False
    if _BULLET.match(line.strip()) and _is_short(key, 25):
        return True
    if _ADDRESS.search(key):
        return True
    # sign-offs: "Thank you,", "Jane Doe, Editor-in-Chief", "Site Management"
    return _is_short(key, 8) and not _SENTENCE_END.search(line.strip()) and not re.search(r"\d", key)


def _is_teaser(line: str) -> bool:
    """A headline, date or section label, bulleted or not: short, not ending like a sentence."""
    line = _BULLET.sub("", line.strip())
    return len(line.split()) <= _TEASER_MAX_WORDS and len(line) <= 140 and not _SENTENCE_END.search(line)


def _is_listed_headline(line: str) -> bool:
    """A bulleted or numbered headline: "- Lumo Cola maker Fizzco names Adaeze Brandt marketing director"."""
    line = line.strip()
    return bool(_BULLET.match(line)) and len(_BULLET.sub("", line).split()) >= _LISTED_HEADLINE_MIN_WORDS and _is_teaser(line)


def _is_widget(line: str) -> bool:
    key = _key(line)
    return (_is_label(key) or _is_social(key) or _is_credit(line) or _is_widget_row(key) or _is_menu(key)
            or _is_footer_row(key))


def _is_widget_row(key: str) -> bool:
    """Two or more fields, each a label, a social link or a paywall prompt: "Share on Facebook | Tweet"."""
    fields = [f for f in (_key(f) for f in _FIELD_SEPARATOR.split(key)) if f]
    return len(fields) >= 2 and all(
        _is_label(f) or _is_social(f) or f in _NETWORKS or f == "in" or _PHRASE_RE.search(f) or _is_pitch(f)
        or all(t in _NETWORKS for t in f.split()) for f in fields)


def _is_footer_row(key: str) -> bool:
    """A site footer: three or more fields, at least two of them footer links ("Privacy | Terms"), the
    rest short (the outlet's name, a copyright): "Port Aldwin Gazette | Terms | Privacy | Cookie settings"."""
    fields = [f for f in (_key(f) for f in _FIELD_SEPARATOR.split(key)) if f]
    links = sum(f in _FOOTER_LINKS or f in _LABELS for f in fields)
    return len(fields) >= 3 and links >= _FOOTER_MIN_LINKS and all(
        f in _FOOTER_LINKS or f in _LABELS or len(f.split()) <= 10 for f in fields)


def _is_menu(key: str) -> bool:
    """A navigation menu: no digits, no sentence, and mostly section names, at least three of them."""
    if re.search(r"\d", key) or _SENTENCE_END.search(key):
        return False
    words = [w for w in re.split(r"[\s|·•—–*,/-]+", key) if w and w not in _MENU_GLUE]
    sections = sum(w in _SECTIONS for w in words)
    return sections >= _MENU_MIN_SECTIONS and sections >= _MENU_SHARE * len(words)


def _title_index(lines: list[str], dropped: list[bool]) -> int | None:
    """The headline line, which is never dropped.

    The first line when it reads as a headline (3–20 words, not a widget label, not ending in a
    full stop), even if a phrase rule matched it ("Sign up for flu jabs, residents urged");
    otherwise the line guess_title would pick on the cleaned text.
    """
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if not nonblank:
        return None
    first = lines[nonblank[0]].strip().lstrip("#").strip()
    if (
        3 <= len(first.split()) <= 20 and len(first) <= 200 and not _is_widget(first)
        and not re.search(r"[.!…][\"'”’)\]]*$", first)
    ):
        return nonblank[0]
    candidates = [i for i in nonblank if not dropped[i]][:5]
    for i in candidates:
        line = lines[i].strip().lstrip("#").strip()
        if len(line.split()) >= 3 and len(line) <= 200:
            return i
    return candidates[0] if candidates else None


def classify_lines(text: str) -> list[tuple[str, bool]]:
    """Every line of ``text`` (as split on newlines) with whether to keep it. Blank lines are kept."""
    lines = text.split("\n")
    n = len(lines)
    drop = [_line_rule(line) for line in lines]

    # 4. appeal blocks: extend forward from an anchor over lines that still read as the appeal.
    i = 0
    while i < n:
        if lines[i].strip() and _starts_appeal(_key(lines[i])):
            drop[i] = True
            j = i + 1
            while j < n and (not lines[j].strip() or _continues_appeal(lines[j])):
                if lines[j].strip():
                    drop[j] = True
                j += 1
            i = j
        else:
            i += 1

    # 5. teaser sections: a header, then short headline-like lines (all of them to the end, or,
    # after a related-links header, a run of them in mid-article).
    nonblank = [i for i in range(n) if lines[i].strip()]
    for pos, i in enumerate(nonblank):
        key = _key(lines[i])
        if key not in _SECTION_HEADERS and not _SECTION_HEADER_RE.match(lines[i].strip()):
            continue
        run = []
        for j in nonblank[pos + 1:pos + 1 + _TEASER_MAX_LINES]:
            if not (_is_teaser(lines[j]) or drop[j]):
                break
            run.append(j)
        reaches_end = (run[-1] if run else i) == nonblank[-1]
        if reaches_end or key in _MID_SECTION_HEADERS:
            for j in [i, *run]:
                drop[j] = True

    # 6. comments: under a comments header, the "Name: text" lines are readers', not the story's.
    for pos, i in enumerate(nonblank):
        if not _COMMENTS_HEADER.match(_key(lines[i])):
            continue
        drop[i] = True
        for j in nonblank[pos + 1:]:
            if _COMMENT_LINE.match(lines[j].strip()) and not _is_dateline(_key(lines[j])):
                drop[j] = True
            elif not drop[j]:
                break

    # 7. a headerless list of headlines at the end of the page (after the story, before footers):
    # two or more bulleted short lines that read as headlines, not introduced by a line ending in ":".
    run = []
    for j in reversed(nonblank):
        if _is_listed_headline(lines[j]):
            run.append(j)
        elif drop[j] and not run:
            continue
        else:
            if len(run) >= 2 and not lines[j].rstrip().endswith(":"):
                for k in run:
                    drop[k] = True
            break

    # Datelines and the headline always stay.
    for i in range(n):
        if drop[i] and _is_dateline(_key(lines[i])) and not _in_trailing_section(lines, drop, i):
            drop[i] = False
    title = _title_index(lines, drop)
    if title is not None:
        drop[title] = False
    return [(line, not d) for line, d in zip(lines, drop)]


def strip_credit_tail(line: str) -> str:
    """``line`` without a photo credit glued to its end ("… in Moscow. ©AFP"), which would otherwise read
    as part of the caption (and as an answer to "who …?")."""
    return _CREDIT_TAIL.sub("", line)


def _in_trailing_section(lines: list[str], drop: list[bool], i: int) -> bool:
    """True when line ``i`` and every non-blank line after it are dropped (a teaser section's date)."""
    return all(drop[j] for j in range(i, len(lines)) if lines[j].strip())


def drop_boilerplate(text: str) -> str:
    """``text`` without its boilerplate lines, paragraph breaks kept tidy. May return ''."""
    return kept_text(classify_lines(text))


def kept_text(labels: list[tuple[str, bool]]) -> str:
    """The kept lines of :func:`classify_lines`' output, credit tails cut, paragraph breaks kept tidy. May return ''."""
    return re.sub(r"\n{3,}", "\n\n", "\n".join(strip_credit_tail(line) for line, keep in labels if keep)).strip()
