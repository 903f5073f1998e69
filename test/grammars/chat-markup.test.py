# SYNTAX TEST "source.python" "Phi-3 chat markup inside Python strings"
prompt = "<|user|>\nWhat is MLflow?<|end|>\n<|assistant|>"
#         ^^ source.python string.quoted.single.python meta.tag.role.phi3-chat punctuation.definition.tag.begin.phi3-chat
#           ^^^^ source.python string.quoted.single.python meta.tag.role.phi3-chat entity.name.tag.role.phi3-chat
#               ^^ source.python string.quoted.single.python meta.tag.role.phi3-chat punctuation.definition.tag.end.phi3-chat
#                                    ^^^ source.python string.quoted.single.python meta.tag.end.phi3-chat keyword.control.end.phi3-chat
#                                             ^^^^^^^^^ source.python string.quoted.single.python meta.tag.role.phi3-chat entity.name.tag.role.phi3-chat
#                   ^^^^^^^^^^^^^^^ source.python string.quoted.single.python - meta.tag.end.phi3-chat
system = '''<|system|>You are helpful.<|end|><|endoftext|>'''
#             ^^^^^^ source.python string.quoted.multi.python entity.name.tag.role.phi3-chat
#                                              ^^^^^^^^^ source.python string.quoted.multi.python keyword.control.end.phi3-chat
# Outside strings the same characters are Python operators, not markup.
x = a <|user|> b
#       ^^^^ source.python - entity.name.tag.role.phi3-chat
# Other tags are not Phi-3's.
other = "<|im_start|>"
#          ^^^^^^^^ source.python string.quoted.single.python - entity.name.tag.role.phi3-chat
