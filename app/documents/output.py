"""The three outputs of a document from one source: the print view (HTML), the PDF (WeasyPrint, from
the same HTML) and the Word file (python-docx, from the same data), all A4 with the decree's margins
and fonts.

Fonts: the page asks for "Times New Roman", "Liberation Serif", serif. The PDF embeds font files we
choose and name by their own family (Times New Roman itself when installed, else Liberation Serif 2,
which has Times' metrics and the Vietnamese glyphs; Liberation 1.x, often installed beside it, lacks
them), so a PDF never falls back glyph by glyph to whatever fontconfig offers. The PDF fetches nothing over the network: its URL fetcher serves only these font files and the
thumbnails of the document's own appendix photos.
"""
import io
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Response, abort, current_app, has_request_context, make_response, render_template, url_for

from app.files import send_stored
from app.models import Document, DocumentKind
from app.services import documents, evidence, period_reports, plan_documents

# Where the serif faces are looked for, in order (DOCUMENT_FONT_DIRS overrides). Each entry names the
# file of each face; the first folder holding all four is used.
FONT_CANDIDATES = (
    ("Times New Roman", "/usr/share/fonts/truetype/msttcorefonts", ("Times_New_Roman.ttf", "Times_New_Roman_Bold.ttf",
                                                  "Times_New_Roman_Italic.ttf", "Times_New_Roman_Bold_Italic.ttf")),
    ("Liberation Serif", "/usr/share/fonts/truetype/liberation2", ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf",
                                               "LiberationSerif-Italic.ttf", "LiberationSerif-BoldItalic.ttf")),
)
FACES = (("normal", "normal"), ("bold", "normal"), ("normal", "italic"), ("bold", "italic"))
PAGE_MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
BASE_URL = "https://kiemtra.invalid/"  # never fetched: the fetcher answers for this host itself
PHOTO_PATH = re.compile(r"^/documents/(\d+)/photos/([0-9a-f]{64})$")


def font_files() -> list[dict]:
    """The four faces of the document font as [{family, path, weight, style}], or [] when none is
    installed (the PDF then uses what fontconfig offers for "Times New Roman")."""
    candidates = FONT_CANDIDATES
    configured = current_app.config["DOCUMENT_FONT_DIRS"]
    if configured:
        candidates = tuple((family, folder, names) for folder in configured for family, _, names in FONT_CANDIDATES)
    for family, folder, names in candidates:
        paths = [Path(folder) / name for name in names]
        if all(path.is_file() for path in paths):
            return [{"family": family, "path": path, "weight": weight, "style": style}
                    for path, (weight, style) in zip(paths, FACES)]
    return []


# --- HTML ----------------------------------------------------------------------------------------

# The service that composes each kind's data, and the template that draws it.
COMPOSERS = {DocumentKind.PLAN: plan_documents, DocumentKind.REPORT: period_reports}
BODIES = {DocumentKind.PLAN.value: "documents/_plan_body.html", DocumentKind.REPORT.value: "documents/_report_body.html"}


def compose(document: Document) -> dict:
    """The data a document is drawn from: a plan's from the year's inspections, a report's from the
    period's figures, the others' from their inspection (frozen in every case once final)."""
    return COMPOSERS.get(document.kind, documents).compose(document)


def render_body(data: dict) -> str:
    """The document itself as HTML (the part the print view and the PDF share), from its data."""
    template = BODIES.get(data["kind"], "documents/_body.html")
    return unicodedata.normalize("NFC", render_template(template, d=data, photo_url=photo_url))


def photo_url(document_id: int, sha: str) -> str:
    """An appendix photo's address (the route the browser asks, PHOTO_PATH for the PDF). A document is
    also finalised outside a request (the demo, the CLI): a request context made for the purpose lets
    url_for build the same path there."""
    if has_request_context():
        return url_for("documents.photo", document_id=document_id, sha=sha)
    with current_app.test_request_context():
        return url_for("documents.photo", document_id=document_id, sha=sha)


def body_html(document: Document) -> str:
    """The document as HTML: frozen once final, drawn now while a draft."""
    if document.content_html is not None:
        return document.content_html
    return render_body(compose(document))


def title_of(document: Document) -> str:
    return document.label


def page_html(document: Document, screen: bool, fonts: list[dict] | None = None) -> str:
    pages = "documents" if document.inspection_id else "secretariat"  # the blueprint of its pages
    html = render_template("documents/paper.html", document=document, body=body_html(document), screen=screen,
                           title=title_of(document), pages=pages,
                           fonts=[f | {"url": f["path"].as_uri()} for f in fonts or []])
    return unicodedata.normalize("NFC", html)


# --- PDF -----------------------------------------------------------------------------------------

def _fetcher(document: Document, fonts: list[dict]):
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # WeasyPrint loads slowly: only for a PDF

    allowed_fonts = {f["path"].as_uri(): f["path"] for f in fonts}
    photos = {photo["sha"] for photo in compose(document).get("photos", [])}

    class DocumentFetcher(URLFetcher):
        """Serves our font files and the document's photo thumbnails; refuses everything else."""

        def fetch(self, url, headers=None):
            if url in allowed_fonts:
                return URLFetcherResponse(url, allowed_fonts[url].read_bytes(), {"Content-Type": "font/ttf"})
            parts = urlsplit(url)
            match = PHOTO_PATH.match(unquote(parts.path))
            if (f"{parts.scheme}://{parts.netloc}/" == BASE_URL and match and int(match.group(1)) == document.id
                    and match.group(2) in photos):
                picture = evidence.read_file(match.group(2), thumbnail=True)
                if picture is not None:
                    return URLFetcherResponse(url, picture, {"Content-Type": "image/jpeg"})
            raise ValueError(f"not fetched: {url}")

    return DocumentFetcher()


def laid_out(document: Document):
    """The document laid out on its pages by WeasyPrint (a weasyprint.Document: its boxes, or a PDF)."""
    from weasyprint import HTML  # WeasyPrint loads slowly: only for a PDF

    fonts = font_files()
    html = page_html(document, screen=False, fonts=fonts)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher(document, fonts)).render()


def pdf_bytes(document: Document) -> bytes:
    return laid_out(document).write_pdf()


# --- Word ----------------------------------------------------------------------------------------

def docx_bytes(document: Document) -> bytes:
    from app.documents.word import build  # word.py imports this module's page sizes

    buffer = io.BytesIO()
    build(compose(document), font_name(), document.id).save(buffer)
    return buffer.getvalue()


def font_name() -> str:
    """The font the Word file names: Times New Roman (Word substitutes it where missing)."""
    return "Times New Roman"


def file_name(document: Document, extension: str) -> str:
    """e.g. "05-BB-DKT.pdf", or "BB-du-thao-7.pdf" for a draft: ASCII for every browser's download bar."""
    prefix = {DocumentKind.MINUTES: "BB", DocumentKind.CONCLUSION: "TB", DocumentKind.PLAN: "KH",
              DocumentKind.REPORT: "BC"}[document.kind]
    stem = document.number or f"{prefix}-du-thao-{document.id}"
    ascii_stem = unicodedata.normalize("NFKD", stem.replace("Đ", "D").replace("đ", "d"))
    ascii_stem = re.sub(r"[^A-Za-z0-9]+", "-", ascii_stem.encode("ascii", "ignore").decode()).strip("-")
    return f"{ascii_stem}.{extension}"


# --- responses: what the documents' and the secretariat's routes send, once they have loaded the
# document through what the user may read -----------------------------------------------------------

WORD_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def print_response(document: Document) -> Response:
    """The document on A4 for the browser's print dialog (the same page the PDF is made from)."""
    response = make_response(page_html(document, screen=True))
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


def download(data: bytes, mimetype: str, name: str) -> Response:
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def pdf_response(document: Document) -> Response:
    return download(pdf_bytes(document), "application/pdf", file_name(document, "pdf"))


def docx_response(document: Document) -> Response:
    return download(docx_bytes(document), WORD_MIMETYPE, file_name(document, "docx"))


def signed_scan_response(document: Document) -> Response:
    """The document's signed scan as a download; 404 before it is signed."""
    scan = document.signed_scan or abort(404)
    extension = "pdf" if scan.mime_type == "application/pdf" else "jpg"
    return send_stored(scan.sha256, mimetype=scan.mime_type, as_attachment=True,
                       download_name=file_name(document, f"signed.{extension}"))
