// ConceptScope: Concept Graph on one stack, as the macro recorder writes it.
// The graph of one class (scope=class; without it the graph covers the whole data set, every
// predicted class, as the GIG paper builds it): PFV concept vectors of the class DAB-positive at
// two layers of the IHC stain model (3 concepts per layer: k-means of 500 pointwise feature
// vectors sampled by their contribution to the class),
// Generalized Integrated Gradients from every conv2/relu concept to every conv3/relu concept and
// from every conv3/relu concept to the class (32 path steps), each concept shown by the effective
// receptive fields of its 4 strongest PFVs, and every slice's concept maps.
// Results in save_dir: conv2_relu-concepts.json and conv3_relu-concepts.json (concept banks, also
// for Concept Localization), conv2_relu-erf-montage.tif and conv3_relu-erf-montage.tif,
// concept-graph.csv (one row per edge), concept-graph-nodes.csv, concept-graph.png (the graph),
// <title>-concept-graph.tif (image channels + one channel per concept, ROIs as overlay) and
// <title>-concept-graph-RoiSet.zip.
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] save_dir=[/path/results]
// A folder of images works too: run("Concept Graph...", "model=[...] folder=[...] ...").
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
checkKeys("concept_graph.ijm", args, "image model save_dir overwrite");
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
// Given arguments, or under -batch, nobody answers a dialog: a missing one is a sentence, not a wait.
if ((args != "" || is("batch mode")) && (image == "" || model == "" || saveDir == "")) {
	got = "no argument";
	if (args != "") got = args;
	exit("concept_graph.ijm needs image=[...] model=[...] save_dir=[...]; got " + got + ".");
}
if (image == "") image = File.openDialog("Choose a stack of images (e.g. ihc-heldout-patches.tif)");
if (model == "") model = getDirectory("Choose the model folder (e.g. models/ihc-stain)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the concept graph");

setBatchMode(true);
openImage("concept_graph.ijm", "image", image);
run("Concept Graph...", "model=[" + model + "] layers=[conv2/relu,conv3/relu] scope=class target=DAB-positive concepts=3 samples=500 seed=42 steps=32 examples=4 erf_mass=0.9 top_fraction=0.1 output=channel save_dir=[" + saveDir + "]" + overwrite);
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
