"""The .docx rendering of a form document built by ``onestop.forms`` (the receipt slip, the apology).

Layout: Decree 30/2020/NĐ-CP on the format of administrative documents, Appendix I (A4, margins, Times New Roman
13-14 pt, the two-column header, the title, the body, "Nơi nhận" and the signature block). python-docx is
imported inside the functions: only a command that writes a .docx pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from onestop.forms import _Document

_HEADER_CM = (6.0, 10.0)  # the text width: A4 21 cm minus margins of 3 and 2 cm
_SIGNATURE_CM = (7.0, 9.0)


def write_docx(doc: _Document, path: Path) -> Path:
    from docx import Document  # heavy: imported only when a .docx is written
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    document = Document()
    section = document.sections[0]
    # Decree 30/2020, Appendix I §I: A4 (210 x 297 mm); top, bottom 20 mm; left 30 mm; right 20 mm.
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    _set_font(document.styles["Normal"], size=14)
    document.core_properties.title = doc.title
    document.core_properties.subject = doc.form

    header = _borderless_table(document, rows=2, widths=_HEADER_CM)
    left, right = header.cell(0, 0), header.cell(0, 1)
    if doc.upper_body:
        _para(left, doc.upper_body, size=12)
    for issuer_line in doc.issuer:
        _para(left, issuer_line, size=13, bold=True)
    _rule(left, width=2.0, column=_HEADER_CM[0])
    # Decree 30/2020, Appendix I §II.1: the national name in 12-13 pt capitals, the motto in 13-14 pt.
    _para(right, doc.motto[0], size=12, bold=True)
    _para(right, doc.motto[1], size=13, bold=True)
    _rule(right, width=5.6, column=_HEADER_CM[1])
    _para(header.cell(1, 0), doc.number, size=13)
    _para(header.cell(1, 1), doc.place_date, size=14, italic=True)

    _para(document, "", size=8)
    _para(document, doc.title, bold=True, space_after=0 if doc.subtitle else 6)
    if doc.subtitle:
        _para(document, doc.subtitle, bold=True)
    if doc.addressee:
        _para(document, doc.addressee, space_after=12)
    for line in doc.body:
        # Prose is justified; a "label: value" line is not, or a long label would stretch it.
        align = WD_ALIGN_PARAGRAPH.LEFT if line.label or line.item else WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph = _para(document, "", align=align, space_after=6)
        indent = paragraph.paragraph_format
        indent.left_indent, indent.first_line_indent = (Cm(1.27), Cm(0)) if line.item else (Cm(0), Cm(1.27))
        if line.label:
            _run(paragraph, f"{line.label}: ")
            _run(paragraph, line.text, bold=line.strong)
        else:
            _run(paragraph, line.text)

    _para(document, "", size=8)
    signatures = _borderless_table(document, rows=1, widths=_SIGNATURE_CM)
    cells = list(signatures.rows[0].cells)
    if doc.recipients:
        heading, *items = doc.recipients
        _para(cells[0], heading, size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
        for item in items:
            _para(cells[0], item, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
        cells = cells[1:]
    for cell, signature in zip(cells, doc.signatures, strict=True):
        for heading_line in signature.heading:
            _para(cell, heading_line, bold=True)
        if signature.note:
            _para(cell, signature.note, italic=True)
        for _ in range(4):  # room for the signature and the seal
            _para(cell, "")
        _para(cell, signature.name, bold=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def _set_font(style: Any, *, size: int) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = "Times New Roman"
    style.font.size = Pt(size)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), "Times New Roman")
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.line_spacing = 1.0


def _borderless_table(document: Any, *, rows: int, widths: tuple[float, float]) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table = document.add_table(rows=rows, cols=2)
    table.autofit = False
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    # OOXML fixes the order of a tblPr's children; Word refuses a file that breaks it.
    table._tbl.tblPr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")
    for index, width in enumerate(widths):
        table.columns[index].width = Cm(width)
        for cell in table.columns[index].cells:
            cell.width = Cm(width)
    return table


def _para(container: Any, text: str, *, size: int = 14, bold: bool = False, italic: bool = False,
          align: Any = None, space_after: int = 0) -> Any:  # fmt: skip
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    # A new table cell holds one empty paragraph: the first text goes there (every cell needs a paragraph).
    in_cell = list(container.paragraphs) if hasattr(container, "vertical_alignment") else []
    if len(in_cell) == 1 and not in_cell[0].runs and in_cell[0].alignment is None:
        paragraph = in_cell[0]
    else:
        paragraph = container.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if align is None else align
    paragraph.paragraph_format.space_after = Pt(space_after)
    if text:
        _run(paragraph, text, size=size, bold=bold, italic=italic)
    return paragraph


def _run(paragraph: Any, text: str, *, size: int = 14, bold: bool = False, italic: bool = False) -> Any:
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.size, run.bold, run.italic = Pt(size), bold, italic
    return run


def _rule(cell: Any, *, width: float, column: float) -> None:
    """A short solid line under the issuer and under the motto (Decree 30/2020, Appendix I §II.1-2)."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    paragraph = cell.add_paragraph()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        top.set(qn(key), value)
    borders.append(top)
    # The border goes in first: python-docx then places spacing and indents after it, as OOXML requires.
    paragraph._p.get_or_add_pPr().append(borders)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Cm(max(column - width, 0) / 2)
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(4)
    fmt.space_before, fmt.space_after = Pt(3), Pt(4)
