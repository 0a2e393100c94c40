"""Writes returns.pdf and shipping.docx next to this file (see README.md)."""
import os
from fpdf import FPDF
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

here = os.path.dirname(os.path.abspath(__file__))

RETURNS = [
    ("Политика возврата", True),
    ("Возврат товаров возможен в течение 14 дней с момента получения заказа. Товар должен сохранить "
     "товарный вид, упаковку и ярлыки. Чек или номер заказа обязателен.", False),
    ("Как оформить возврат?", True),
    ("Напишите в чат поддержки номер заказа и причину возврата. Курьер заберёт посылку бесплатно, "
     "а деньги вернутся на карту в течение 5 рабочих дней после проверки товара.", False),
    ("Какие товары нельзя вернуть?", True),
    ("Нельзя вернуть нижнее бельё, косметику со вскрытой упаковкой и подарочные сертификаты.", False),
]

SHIPPING = [
    ("Shipping and delivery", True),
    ("We ship every order within two business days. Delivery across the country takes three to "
     "five days; express delivery to Moscow and Saint Petersburg arrives the next day.", False),
    ("How do I track my parcel?", True),
    ("Once the parcel leaves our warehouse you receive a tracking number by e-mail. Enter it on the "
     "carrier's site to see where the parcel is.", False),
    ("Shipping costs", True),
    ("Shipping is free for orders over 3000 roubles. Smaller orders pay a flat fee of 300 roubles.", False),
]


def pdf():
    doc = FPDF()
    doc.add_page()
    doc.add_font("DejaVu", "", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    doc.add_font("DejaVu", "B", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    for text, heading in RETURNS:
        doc.set_font("DejaVu", "B" if heading else "", 14 if heading else 11)
        doc.multi_cell(0, 7, text)
        doc.ln(5)
    doc.output(os.path.join(here, "returns.pdf"))


def docx():
    doc = Document()
    for text, heading in SHIPPING:
        if heading:
            doc.add_heading(text, level=1)
        else:
            doc.add_paragraph(text)
    # A tracked deletion: its words are not the document's text.
    paragraph = doc.add_paragraph("Returns are handled by the returns team.")
    deleted = OxmlElement("w:del")
    deleted.set(qn("w:id"), "1")
    deleted.set(qn("w:author"), "editor")
    run = OxmlElement("w:r")
    text = OxmlElement("w:delText")
    text.text = " Obsoletewordzebra."
    run.append(text)
    deleted.append(run)
    paragraph._p.append(deleted)
    doc.save(os.path.join(here, "shipping.docx"))


pdf()
docx()
