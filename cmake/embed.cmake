# Turn a text file into a C string constant: -DIN=file -DOUT=file.c
file(READ "${IN}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE "${OUT}" "/* generated from templates/default.xml */\n#include <stddef.h>\nconst char netd_template_default[] = {${bytes}0x00};\nconst size_t netd_template_default_len = sizeof netd_template_default - 1;\n")
