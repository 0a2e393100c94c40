// libxml2 (Debian's libxml2-dev): its forgiving HTML parser, and its XML parser for the XML
// inside DOCX files.
//
// Debian builds libxml2 with ICU, so its encoding header would pull in ICU's headers, whose
// definitions clash with the copy Foundation carries (_FoundationICU). Nothing here uses the
// ICU-only members (the converter fields of xmlCharEncodingHandler, reached only through
// pointers), so the flag is cleared before the headers that read it.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
