"""Everything that runs next to untrusted student code.

Only this subpackage is visible inside the sandbox, so nothing in it may import
the references, the checks or the catalogue of mistakes.
"""
