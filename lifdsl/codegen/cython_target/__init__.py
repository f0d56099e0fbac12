"""The Cython target: a network's program compiled into one C loop over every step.

``emit`` turns a :class:`~lifdsl.codegen.program.Program` into the source of one module
(``analysis`` decides which operations share a pass over memory, ``kernel`` writes the element
loops, ``printer`` prints expressions); ``runtime`` compiles it once and runs it in chunks;
``layout`` is what a run needs of the generator when the source comes from the disk memo.
"""

from lifdsl.codegen.cython_target.runtime import CythonRuntime, generate_kernel, kernel_source

__all__ = ["CythonRuntime", "generate_kernel", "kernel_source"]
