"""Batch jobs over many files: planning, parts, workers, resume, the run report, Dask.

The CLI's job path (``anonymize DIR -o OUT/ ...``) wraps this::

    from anonymizer.jobs import JobRunner, Settings, folders, plan_files
    from anonymizer.jobs.local import ProcessEngine

    plan = plan_files(["exports/"], output_dir=Path("redacted"))
    settings = Settings(config=load_config(None), key=key, columns=("text",))
    with folders(output_dir=Path("redacted"), output_file=None, audit_target=None, resume=False) as work:
        report = JobRunner(plan, settings, ProcessEngine(settings, workers=2), work=work).run()

Modules: :mod:`~anonymizer.jobs.plan` (inputs to files and mirrored outputs),
:mod:`~anonymizer.jobs.parts` (cutting files and putting them back together),
:mod:`~anonymizer.jobs.worker` (what a worker does with a part),
:mod:`~anonymizer.jobs.runner` (the coordinator), :mod:`~anonymizer.jobs.workspace` (work
folders, the output folder's lock, paths that must not meet), :mod:`~anonymizer.jobs.manifest`
(resume), :mod:`~anonymizer.jobs.report` (the run report), :mod:`~anonymizer.jobs.local`
and :mod:`~anonymizer.jobs.dask_engine` (the engines).
"""

from anonymizer.jobs.plan import FileTask, Plan, plan_files
from anonymizer.jobs.report import FileReport, JobReport, write_report
from anonymizer.jobs.runner import JobRunner, Listener
from anonymizer.jobs.worker import Failure, Settings
from anonymizer.jobs.workspace import check_targets, folders

__all__ = [
    "Failure",
    "FileReport",
    "FileTask",
    "JobReport",
    "JobRunner",
    "Listener",
    "Plan",
    "Settings",
    "check_targets",
    "folders",
    "plan_files",
    "write_report",
]
