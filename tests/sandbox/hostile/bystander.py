# base: optimizers
"""Not an attack: the reference solution, graded in the same batch as every
attack. It must get full marks, which shows that no attack (CPU starvation
above all) cost a co-graded student anything.
"""
