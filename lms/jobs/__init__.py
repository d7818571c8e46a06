"""The page of a long job (issue-all, a large import): its progress, then its result.

The queue, the ``JobRun`` record and the runner are in ``lms.kernel.jobs``; the
floors that start jobs register what each kind does there. This top floor only
shows a job to the person who started it (or an administrator), in their words.
"""
