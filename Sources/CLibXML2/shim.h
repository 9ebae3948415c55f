// libxml2's tree parser, used directly: Foundation's XMLParser leaks on every document that is
// not well-formed, and a server answering garbage for a week would grow m4top.
#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU, whose headers clash with Foundation's own copy of ICU.
// Only the encoding handler's private fields use it, and m4top never touches that struct.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
