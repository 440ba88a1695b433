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
checkKeys("sharing_ratio_decomposition.ijm", args, "image model save_dir erf_layer x y overwrite");
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
// Given arguments, or under -batch, nobody answers a dialog: a missing one is a sentence, not a wait.
if ((args != "" || is("batch mode")) && (image == "" || model == "" || saveDir == "")) {
	got = "no argument";
	if (args != "") got = args;
	exit("sharing_ratio_decomposition.ijm needs image=[...] model=[...] save_dir=[...]; got " + got + ".");
}
if (image == "") image = File.openDialog("Choose an image or stack (e.g. ihc-heldout-patches.tif)");
if (model == "") model = getDirectory("Choose the model folder (e.g. models/ihc-stain)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
openImage("sharing_ratio_decomposition.ijm", "image", image);
run("Sharing Ratio Decomposition...", "model=[" + model + "] target=predicted erf_layer=[" + layer + "] x=" + x + " y=" + y + " erf_mass=0.9 apop_fill=1 output=channel top_fraction=0.1 save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);

// A key this macro does not read is refused: a misspelt one would fall back to its default in silence.
function checkKeys(name, args, keys) {
	words = split(replace(args, "\\[[^\\]]*\\]", ""), " ");
	for (i = 0; i < words.length; i++) {
		key = words[i];
		if (indexOf(key, "=") >= 0) key = substring(key, 0, indexOf(key, "="));
		if (key != "" && indexOf(" " + keys + " ", " " + key + " ") < 0) exit(name + " has no option '" + key + "'; its keys are: " + keys + ".");
	}
}

// The image this macro opens itself, or one sentence before any work: under -batch open() of a missing file only logs
// "File not found", of a file ImageJ cannot read opens nothing, and the command then said "No image is open".
function openImage(name, key, path) {
	if (!File.exists(path)) exit(name + ": " + key + "=[" + path + "] does not exist: give the path of an image file.");
	// opened: the active image is a new one. nImages alone can miss it (it also counts an active image no list holds,
	// which an earlier macro's setBatchMode(false) may leave under -batch), and ImageJ shows some files it cannot read
	// as a text window, which is no image
	before = 0;
	if (nImages > 0) before = getImageID();
	call("ij.IJ.redirectErrorMessages"); // a file ImageJ cannot read is logged, not a dialog
	open(path);
	opened = false;
	if (nImages > 0) {
		if (getImageID() != before) opened = true;
	}
	if (!opened) exit(name + ": ImageJ could not open " + key + "=[" + path + "] as an image: give a TIFF, PNG, JPEG or DICOM file.");
}
