# roomtour: camera-guided videos from single interior photos, post-processed
# (denoise, upscale, both orders) and scored. See README.md.
#
#   snakemake --cores 2                                   # embedded default
#   snakemake --cores 2 --configfile config/study.yaml   # the 6 x 3 study grid


from snakemake.utils import min_version

min_version("9.0")


# The embedded default, unless --configfile names another (then only that one
# is read: merging two studies' motion lists would silently mix them).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/tour_inputs.smk"
include: "workflow/rules/failures.smk"
include: "workflow/rules/inputs.smk"
include: "workflow/rules/generate.smk"
include: "workflow/rules/postprocess.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/tours.smk"


# On a cluster these run on the submit host: bookkeeping, tables, figures and
# the browser previews (MP4 copies of finished videos), a few seconds each,
# which would wait longer for SLURM than they run.
localrules:
    all,
    camera_path,
    summarize,
    figure_metrics,
    contact_sheet,
    previews,


rule all:
    default_target: True
    input:
        final_targets(),


onerror:
    partial_summary()
