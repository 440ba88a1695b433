// ConceptScope: Sharing Ratio Decomposition on one stack, as the macro recorder writes it.
// For every slice: the SRD relevance map of its predicted class (relevance shared down from the
// class logit to the pixels, conserved up to the biases' shares), and the effective receptive
// field (ERF) of one pointwise feature vector: the PFV of layer erf_layer whose cell holds image
// pixel (x, y). The ERF is outlined by the pixels holding 90 % of its relevance, next to the PFV's
// theoretical receptive field. APOP (the class a blank image gets under each slice's ReLU pattern)
// says how much the decision rests on which neurons fire.
// Results in save_dir: <title>-srd.tif (image channels + relevance map + ERF, ROIs as overlay),
// <title>-srd-RoiSet.zip (srd; <class>; slice=z, erf; <layer>; cell=gx,gy; slice=z, rf; ...; a layer conv2/relu is named conv2-relu) and
// <title>-srd-results.csv (per slice: class score, relevance sum, bias share, conservation error,
// APOP; a last row "all" with the APOP agreement of the stack).
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] save_dir=[/path/results]
//   erf_layer=conv2/relu x=10 y=14 (the defaults, for the bundled IHC stain model)
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "sharing_ratio_decomposition.ijm", args, "image model save_dir erf_layer x y overwrite", "image model save_dir") != "") exit;
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";

layer = call("ij.Macro.getValue", args, "erf_layer", "conv2/relu");
x = call("ij.Macro.getValue", args, "x", "10");
y = call("ij.Macro.getValue", args, "y", "14");
if (image == "") image = File.openDialog("Choose an image or stack (e.g. ihc-heldout-patches.tif)");
if (model == "") model = getDirectory("Choose the model folder (e.g. models/ihc-stain)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
if (call("org.conceptscope.fiji.ij1.MacroCalls.openImage", "sharing_ratio_decomposition.ijm", "image", image) != "") exit;
run("Sharing Ratio Decomposition...", "model=[" + model + "] target=predicted erf_layer=[" + layer + "] x=" + x + " y=" + y + " erf_mass=0.9 apop_fill=1 output=channel top_fraction=0.1 save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);
