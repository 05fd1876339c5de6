/* Built-ins newer than QuickJS 2021-03-27 (ES2020) that bundled dependencies use, defined before
 * the bundle runs. @noble/hashes 2.x calls Object.hasOwn (ES2022) while building its hashers. */
#include "rt.h"

const char js_prelude[] =
    "(function () {\n"
    "  'use strict';\n"
    "  function define(target, name, value) {\n"
    "    if (!Object.prototype.hasOwnProperty.call(target, name))\n"
    "      Object.defineProperty(target, name, { value: value, writable: true, configurable: true, enumerable: false });\n"
    "  }\n"
    "  define(Object, 'hasOwn', function hasOwn(object, key) {\n"
    "    if (object === null || object === undefined) throw new TypeError('Cannot convert undefined or null to object');\n"
    "    return Object.prototype.hasOwnProperty.call(Object(object), key);\n"
    "  });\n"
    "  function at(index) {\n"
    "    var length = this.length >>> 0;\n"
    "    var i = Math.trunc(index) || 0;\n"
    "    if (i < 0) i += length;\n"
    "    return i < 0 || i >= length ? undefined : this[i];\n"
    "  }\n"
    "  define(Array.prototype, 'at', at);\n"
    "  define(String.prototype, 'at', function (index) { var c = at.call(String(this), index); return c; });\n"
    "  define(Object.getPrototypeOf(Uint8Array.prototype), 'at', at);\n"
    "})();\n";
