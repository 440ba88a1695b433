package org.conceptscope.fiji.run;

import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.ImagePlusTiles;
import org.conceptscope.fiji.image.ImageTiles;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.image.LabelledFolder;
import ij.IJ;
import ij.ImagePlus;
import ij.measure.Calibration;

import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.CastOverflow;
import org.conceptscope.tensor.InputDomain;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.ModelLoadException;
import org.conceptscope.model.PixelSize;
import org.conceptscope.model.TensorFlowClassifier;

/**
 * How every command and the batch runner open a model and turn an image into its input, so that
 * all of them read the same models the same way: the engine chosen from the model path
 * ({@link Classifiers#open}: SavedModel, bioimage.io package, TorchScript or ONNX), the
 * preprocessing the model declares, and one warning in the Log when the image's calibration
 * differs from the pixel size the model was trained at.
 */
public final class Models {

	private static final Set<String> WARNED = Collections.synchronizedSet(new HashSet<>());

	/**
	 * Set on a thread whose caller says the pixel-size warning and the palette note once for its whole run, one
	 * line per kind with a count (the batch runner's InputWarnings, a Spark job's driver): the thread's work
	 * writes neither to the Log, where they came once per file (on a cluster: in an executor's log).
	 */
	private static final ThreadLocal<Boolean> CALLER_SAYS_NOTES = ThreadLocal.withInitial(() -> false);

	/** Work that may throw. */
	public interface Work<T, E extends Exception> {
		T run() throws E;
	}

	/** Runs {@code work} with the pixel-size warning and the palette note left to the caller ({@link #CALLER_SAYS_NOTES}). */
	public static <T, E extends Exception> T notesSaidByCaller(Work<T, E> work) throws E {
		boolean was = CALLER_SAYS_NOTES.get();
		CALLER_SAYS_NOTES.set(true);
		try {
			return work.run();
		} finally {
			CALLER_SAYS_NOTES.set(was);
		}
	}

	private Models() {}

	/** Any model ConceptScope reads. */
	public static Classifier open(Path model) {
		if (model == null || model.toString().isBlank()) throw noModel();
		return Classifiers.open(model);
	}

	/** The sentence for a model key left out: what to give (a given path that is wrong is refused by {@link Classifiers#kind}). */
	public static IllegalArgumentException noModel() {
		return new IllegalArgumentException("No model given: set " + org.conceptscope.fiji.param.CommandSpecs.MODEL.key() + "= to the path of "
			+ Classifiers.ACCEPTED + ".");
	}

	/**
	 * A TensorFlow SavedModel, for commands that read its graph or its variables; any other model is
	 * refused in one sentence naming commands that work with it.
	 *
	 * @param command what needs TensorFlow, for the sentence (e.g. "SRD"): a method, not the command's name, which the
	 *        reporter puts before the sentence
	 */
	public static TensorFlowClassifier openTensorFlow(Path model, String command) {
		Classifiers.Kind kind = Classifiers.kind(model);
		if (kind != Classifiers.Kind.TENSORFLOW) {
			// a package's SavedModel, when it has one, runs here: say how to reach it
			throw new ModelLoadException(command + " reads the model's TensorFlow graph, so it runs on TensorFlow SavedModels only; " + model
				+ " is a " + kind.label() + ": explain it with Attribution or Concept Discovery"
				+ (kind == Classifiers.Kind.BIOIMAGE ? ", or, " + Classifiers.PACKAGE_SAVED_MODEL + "." : " instead."));
		}
		Classifier opened = Classifiers.open(model);
		if (opened instanceof TensorFlowClassifier tf) return tf;
		opened.close(); // a dense (segmentation) SavedModel comes wrapped in its output operator
		throw new ModelLoadException(command + " reads a classifier's TensorFlow graph (one score per class); " + model
			+ " outputs a map (a segmentation model): explain it with Attribution, whose operator key turns the map into scores.");
	}

	/**
	 * The image as the model's input: the model's declared preprocessing, and the pixel-size check.
	 * An indexed-colour (palette) image given to a model of three channels is read as the RGB
	 * colours its palette shows ({@link #paletteAsRgb}); the image itself is not changed.
	 */
	public static ImagePlusTensors.Converted input(ImagePlus image, Classifier classifier) {
		warnPixelSize(image, classifier);
		ImagePlus rgb = paletteAsRgb(image, classifier);
		checkChannels(rgb, classifier, null);
		warnDomain(rgb, classifier);
		return ImagePlusTensors.toTensor(rgb, classifier.normalization());
	}

	/**
	 * {@link #input} without the pixel-size and domain checks, for a caller that checked the whole
	 * image or stack once already (one warning per image, however many parts it is run in).
	 */
	public static ImagePlusTensors.Converted checkedInput(ImagePlus image, Classifier classifier) {
		ImagePlus rgb = paletteAsRgb(image, classifier);
		checkChannels(rgb, classifier, null);
		return ImagePlusTensors.toTensor(rgb, classifier.normalization());
	}

	/**
	 * Refuses, in one sentence, an image whose channels are not the model's input channels, before any
	 * work: a composite gives one model channel per ImageJ channel (C), an RGB image three; slices (Z)
	 * and frames (T) are separate inputs, never channels. Where ImageJ can fix it, the sentence says how:
	 * channels opened as slices (a one-channel stack whose planes divide into the model's channels) go
	 * back with Stack to Hyperstack, extra channels are dropped with Make Subset.
	 *
	 * No command name in the sentence: the failure's report puts "ConceptScope &lt;command&gt;: " before it.
	 *
	 * @param folder the folder the image was read from, or null for an image the user has open; the
	 *        sentence then names the file as one of the folder's and says to move it out
	 */
	public static void checkChannels(ImagePlus image, Classifier classifier, Path folder) {
		if (image == null || classifier == null || classifier.signature() == null) return;
		long want = classifier.signature().channels();
		int got = ImagePlusTensors.channels(image);
		if (want <= 0 || got == want) return;
		boolean rgb = image.getBitDepth() == 24;
		int planes = image.getStackSize();
		String hint;
		if (want == 3 && got == 1) {
			hint = " (Image > Type > RGB Color makes an RGB image of a grey one)";
		} else if (rgb && want == 1) {
			hint = " (Image > Type > 8-bit makes a grey image of an RGB one)";
		} else if (!rgb && got == 1 && planes > 1 && planes % want == 0) {
			// the frames stay frames: a time series whose channels were opened as slices
			int z = image.getNSlices(), t = image.getNFrames();
			String dimensions = t == 1 ? "slices=" + planes / want
				: z == 1 ? "slices=1, frames=" + planes / want
				: z % want == 0 ? "slices=" + z / want + ", frames=" + t
				: "slices x frames=" + planes / want;
			hint = "; if its " + planes + " planes are " + want + " channels saved as slices, make them channels with Image > Hyperstacks >"
				+ " Stack to Hyperstack... (channels=" + want + ", " + dimensions + ", in the order they were saved)";
		} else if (!rgb && got > want) {
			hint = "; keep the " + want + " channel(s) the model was trained on, in its order, with Image > Hyperstacks > Make Subset..."
				+ " (e.g. channels=" + (want == 1 ? "1" : "1-" + want) + ")";
		} else {
			hint = "";
		}
		String dims = planes > 1 && !rgb ? " (" + image.getNChannels() + " channel(s) x " + image.getNSlices() + " slice(s) x " + image.getNFrames()
			+ " frame(s); slices and frames are separate inputs, not channels)" : "";
		String takes = " has " + got + " channel(s)" + dims + ", but the model takes " + want + " (an RGB image has 3, a composite one per channel)";
		if (folder != null) {
			throw new IllegalArgumentException("'" + image.getTitle() + "', one of the images of the folder " + folder + "," + takes
				+ ": move it out of the folder, or give a folder of images of the kind the model was trained on.");
		}
		throw new IllegalArgumentException("'" + image.getTitle() + "'" + takes + ": give images of the kind the model was trained on" + hint + ".");
	}

	/** The largest value a 16-bit image may reach without a note that unit_range leaves most of the model's range unused (14 bits). */
	static final int NARROW_SIXTEEN_BIT = (1 << 14) - 1;

	/**
	 * Logs, once per model and image, when a model normalised by {@code unit_range} gets a 16-bit image
	 * (no density calibration) whose values use a small part of the 16-bit range, as a 12- or 14-bit
	 * camera's do: unit_range divides 16-bit values by 65535 (not by the display range, nor by the
	 * camera's maximum), so such images reach at most 0.0625 or 0.25 and a model trained on images
	 * scaled to [0, 1] by another maximum sees them nearly black, without any error. Reads at most
	 * {@value #DOMAIN_SLICES} slices spread over the stack, every channel. Returns the sentence or null. Under a fixed
	 * preprocessing made for 0-255 data (scale_linear with gain 1/255, say), it notes a 16-bit image whose values go far
	 * beyond 255 instead ({@link #beyondEightBit}).
	 */
	public static String warnNarrowSixteenBit(ImagePlus image, Classifier classifier, java.util.function.Consumer<String> log) {
		ImagePlus whole = uncut(image);
		String line = narrowSixteenBit(whole, classifier);
		if (line != null && log != null && WARNED.add("narrow16|" + classifier.name() + "|" + whole.getTitle() + "|" + whole.getID())) {
			log.accept("ConceptScope note: " + line);
		}
		return line;
	}

	/** The sentence of {@link #warnNarrowSixteenBit} for an (uncut) image, or null; logs nothing. */
	private static String narrowSixteenBit(ImagePlus whole, Classifier classifier) {
		if (whole == null || classifier == null || !sixteenBitNoted(classifier.normalization())) return null;
		if (whole.getBitDepth() != 16 || ImagePlusTensors.usesCalibration(whole) || whole.getProcessor() == null) return null;
		BatchIndex batches = ImagePlusTensors.batches(whole);
		int n = batches.size(), step = Math.max(1, (n + DOMAIN_SLICES - 1) / DOMAIN_SLICES), max = 0;
		for (int b = 0; b < n; b += step) {
			for (int c = 1; c <= whole.getNChannels(); c++) {
				ij.process.ImageProcessor ip = whole.getStackSize() == 1 ? whole.getProcessor()
					: whole.getStack().getProcessor(ImagePlusTensors.stackIndex(whole, c, batches.slice(b), batches.frame(b)));
				for (short v : (short[]) ip.getPixels()) max = Math.max(max, v & 0xffff);
			}
		}
		if (!(classifier.normalization() instanceof org.conceptscope.tensor.Normalization.UnitRange)) return beyondEightBit(whole, classifier, max);
		if (max == 0 || max > NARROW_SIXTEEN_BIT) return null;
		int bits = 32 - Integer.numberOfLeadingZeros(max);
		return String.format(java.util.Locale.ROOT, "'%s' is 16-bit with values up to %d (%d-bit data?): the model's unit_range divides"
			+ " 16-bit values by 65535 (not by the display range), so its input reaches at most %.3f here. If the model was trained on such"
			+ " images scaled by their own maximum, say so in its conceptscope.json, e.g. \"normalization\": \"affine(0,%d)\" (or"
			+ " \"percentile(1,99.8)\").", whole.getTitle(), max, bits, max / 65535.0, (1 << bits) - 1);
	}

	/** 16-bit values from which {@link #beyondEightBit} notes a model made for 0-255 data: four times 8-bit's largest. */
	static final int FAR_BEYOND_EIGHT_BIT = 4 * 255;

	/**
	 * The note for a 16-bit image with values far beyond 255 under a fixed preprocessing made for 0-255 data, or null. Made
	 * for 0-255 data: the steps the model declares (a bioimage.io package's scale_linear, fixed_zero_mean_unit_variance,
	 * clip; a card's affine) take 0-255 across at least half a unit of the network's input, as 1/255 (onto 0 to 1) or a
	 * standardisation by an 8-bit standard deviation does, while a scaling made for 12- or 16-bit data (1/4095, 1/65535)
	 * leaves them a sliver. Such images reach the network far outside what it was made for, without an error. A range the
	 * package declares for its input decides instead ({@link #beyondDeclared}).
	 */
	private static String beyondEightBit(ImagePlus whole, Classifier classifier, int max) {
		org.conceptscope.tensor.Normalization n = classifier.normalization();
		org.conceptscope.model.InputValueRange declared = classifier.inputValueRange();
		// a range the package declares for its input says what the network was made for better than a guess from the steps
		if (declared != null && !Double.isNaN(declared.lo())) return beyondDeclared(whole, n, declared, max);
		if (max <= FAR_BEYOND_EIGHT_BIT) return null;
		double[] worst = null;
		for (int c = 0; c < whole.getNChannels(); c++) {
			double[] line = org.conceptscope.tensor.Normalization.fixedLine(n, c);
			// a gain of 1 scales nothing (a clip alone): the network takes raw values, whatever their range
			if (line == null || line[0] == 1 || Math.abs(line[0]) * 255 < 0.5) return null;
			if (worst == null || Math.abs(line[0] * max + line[1]) > Math.abs(worst[0] * max + worst[1])) worst = line;
		}
		return String.format(java.util.Locale.ROOT, "'%s' is 16-bit with values up to %d, but the model's preprocessing (%s) is made for"
			+ " 0-255 data: it takes 0-255 to %.3g to %.3g, and %d to %.4g, far outside what the network was made for. Convert the image to"
			+ " 8-bit with the display range that shows it well (Image > Adjust > Brightness/Contrast..., then Image > Type > 8-bit), or check"
			+ " the range of values the model expects (its documentation) and scale the image to it.", whole.getTitle(), max, n.describe(),
			worst[1], worst[0] * 255 + worst[1], max, worst[0] * max + worst[1]);
	}

	/**
	 * {@link #beyondEightBit}'s note where the package declares its input's range ({@code declared}, in the network's units,
	 * as the preprocessing maps it): none while the image's largest value, through the preprocessing, stays within it in
	 * every channel (a package declaring [0, 65535] takes 16-bit data), a note naming the declared range when it goes beyond.
	 */
	private static String beyondDeclared(ImagePlus whole, org.conceptscope.tensor.Normalization n,
		org.conceptscope.model.InputValueRange declared, int max) {
		for (int c = 0; c < whole.getNChannels(); c++) {
			double[] line = org.conceptscope.tensor.Normalization.fixedLine(n, c);
			if (line == null) return null;
			int d = declared.channelLo() == null ? 0 : Math.min(c, declared.channelLo().length - 1);
			double lo = declared.lo(d), hi = declared.hi(d), v = line[0] * max + line[1], slack = 1e-6 * (hi - lo);
			if (v >= lo - slack && v <= hi + slack) continue;
			return String.format(java.util.Locale.ROOT, "'%s' is 16-bit with values up to %d, beyond the range the model's package"
				+ " declares for its input (%s): its preprocessing (%s) takes %d to %.4g, outside %.4g to %.4g. Scale the image into the"
				+ " declared range (Image > Adjust > Brightness/Contrast..., or Process > Math > Multiply...), or check the model's"
				+ " documentation for the data it was made for.", whole.getTitle(), max, declared.source(), n.describe(), max, v, lo, hi);
		}
		return null;
	}

	/** Whether a 16-bit note may apply: under unit_range (a camera's few bits) or a fixed preprocessing (values far beyond 0-255). */
	private static boolean sixteenBitNoted(org.conceptscope.tensor.Normalization n) {
		return n instanceof org.conceptscope.tensor.Normalization.UnitRange
			|| !(n instanceof org.conceptscope.tensor.Normalization.None) && org.conceptscope.tensor.Normalization.fixedLine(n, 0) != null;
	}

	/**
	 * Whether {@link #warnDomain} and the runners look at a model's 16-bit inputs for {@link #warnNarrowSixteenBit}'s notes: a
	 * model without the card's input statistics (with them, the domain check says more) under unit_range or a fixed preprocessing.
	 */
	public static boolean sixteenBitChecked(Classifier classifier) {
		return classifier.inputDomain() == null && sixteenBitNoted(classifier.normalization());
	}

	/** Slices checked at most per image by {@link #warnDomain} (evenly spread over a longer stack). */
	static final int DOMAIN_SLICES = 16;

	/**
	 * Logs, once per model and image, when the image's pixels after the model's normalisation are far
	 * from those the model was trained on (its card's input statistics: {@link InputDomain}); returns
	 * the sentence or null. Slices are read a band of rows at a time, at most {@value #DOMAIN_SLICES}.
	 */
	public static String warnDomain(ImagePlus image, Classifier classifier) {
		return warnDomain(image, classifier, IJ::log);
	}

	/** {@link #warnDomain(ImagePlus, Classifier)} with the warning given to {@code log} instead of the Log. */
	public static String warnDomain(ImagePlus image, Classifier classifier, java.util.function.Consumer<String> log) {
		return warnDomain(List.of(image), classifier, log);
	}

	/**
	 * {@link #warnDomain(ImagePlus, Classifier)} for the images of a set, in one Log line: the first far
	 * image's sentence and, when there are more, how many of the images checked are far (a folder of
	 * patches gets one line, not one per patch). A stack of tiles ({@link ImageTiles}) is checked as the
	 * image it was cut from, once for all its tiles.
	 */
	public static String warnDomain(List<ImagePlus> images, Classifier classifier, java.util.function.Consumer<String> log) {
		int checked = 0, far = 0;
		String first = null;
		// the far images by title and ID, in any order: the same images seen again give no second line
		java.util.SortedSet<String> key = new java.util.TreeSet<>();
		java.util.Set<ImagePlus> seen = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
		// 16-bit images of a camera's few bits under unit_range: one note for the set (the first image's, and how many more)
		String narrow = null;
		int narrowCount = 0, images16 = 0;
		java.util.SortedSet<String> narrowKey = new java.util.TreeSet<>();
		// images whose values the model's cast to an integer type wraps (a 16-bit image into a uint8 model): one line for the set
		String cast = null;
		int castCount = 0, imagesSeen = 0;
		java.util.SortedSet<String> castKey = new java.util.TreeSet<>();
		// images whose channel labels name the model's input channels in another order, or other ones: one line for the set
		String names = null;
		int namesCount = 0, imagesNamed = 0;
		java.util.SortedSet<String> namesKey = new java.util.TreeSet<>();
		for (ImagePlus imp : images) {
			ImagePlus whole = uncut(imp);
			if (whole == null || !seen.add(whole)) continue;
			imagesSeen++;
			if (narrowChecked(whole, classifier)) {
				images16++;
				String n = narrowSixteenBit(whole, classifier);
				if (n != null) {
					narrowCount++;
					narrowKey.add(whole.getTitle() + "|" + whole.getID());
					if (narrow == null) narrow = n;
				}
			}
			String c = castOverflowOfWhole(whole, classifier);
			if (c != null) {
				castCount++;
				castKey.add(whole.getTitle() + "|" + whole.getID());
				if (cast == null) cast = c;
			}
			List<String> labels = channelLabels(whole, classifier);
			if (labels != null) {
				imagesNamed++;
				String m = channelNamesSentence(whole, labels, classifier.inputChannelNames());
				if (m != null) {
					namesCount++;
					namesKey.add(whole.getTitle() + "|" + whole.getID());
					if (names == null) names = m;
				}
			}
			Domain d = domain(whole, classifier);
			if (d.checked()) checked++;
			if (d.far() == null) continue;
			far++;
			key.add(whole.getTitle() + "|" + whole.getID());
			if (first == null) first = d.far();
		}
		if (narrow != null && log != null && WARNED.add("narrow16|" + classifier.name() + "|" + narrowKey)) {
			log.accept("ConceptScope note: " + narrow + (narrowCount > 1 ? " (" + narrowCount + " of the " + images16 + " 16-bit images are so.)" : ""));
		}
		if (cast != null && log != null && WARNED.add("cast|" + classifier.name() + "|" + castKey)) {
			log.accept("ConceptScope warning: " + (castCount > 1 ? withSetCount(cast, castCount + " of the " + imagesSeen + " images are so") : cast));
		}
		if (names != null && log != null && WARNED.add("channels|" + classifier.name() + "|" + namesKey)) {
			log.accept("ConceptScope warning: " + (namesCount > 1 ? withSetCount(names, namesCount + " of the " + imagesNamed
				+ " images with labelled channels are so") : names));
		}
		if (first == null) return null;
		String line = far > 1 ? withSetCount(first, far + " of the " + checked + " images checked are far") : first;
		if (WARNED.add("domain|" + classifier.name() + "|" + key)) log.accept("ConceptScope warning: " + line);
		return line;
	}

	/**
	 * A far image's sentence with how many of its set are far, in the one parenthesis that closes it: a
	 * stack's "(5 of the 12 slices checked are far; 2 of the 25 images checked are far.)", not two.
	 */
	public static String withSetCount(String sentence, String count) {
		if (sentence.endsWith(SLICES_FAR + ".)")) return sentence.substring(0, sentence.length() - 2) + "; " + count + ".)";
		return sentence + " (" + count + ".)";
	}

	private static final String SLICES_FAR = " slices checked are far";

	/** Whether {@link #warnDomain} looks at a 16-bit image for a 16-bit note ({@link #sixteenBitChecked}). */
	private static boolean narrowChecked(ImagePlus whole, Classifier classifier) {
		return classifier != null && sixteenBitChecked(classifier) && whole.getBitDepth() == 16;
	}

	/**
	 * Whether a 16-bit image (a stack of tiles: the image it was cut from) uses a small part of the 16-bit range under the model's
	 * unit_range, or goes far beyond 255 under a preprocessing made for 0-255 data, as {@link #warnDomain} notes it: the note, or
	 * null, without a Log line (a cluster's driver counts the files its tasks found, as {@link #farFromDomain}).
	 */
	public static String narrowSixteenBitNote(ImagePlus image, Classifier classifier) {
		ImagePlus whole = uncut(image);
		return whole != null && narrowChecked(whole, classifier) ? narrowSixteenBit(whole, classifier) : null;
	}

	/**
	 * Whether an image (a stack of tiles: the image it was cut from) is far from what the model was
	 * trained on: the sentence, or null, without a Log line (a cluster's driver counts the far files its
	 * tasks found).
	 */
	public static String farFromDomain(ImagePlus image, Classifier classifier) {
		return domain(uncut(image), classifier).far();
	}

	/** A tile stack's image; any other image itself. */
	private static ImagePlus uncut(ImagePlus image) {
		ImageTiles.Origin o = image == null ? null : ImageTiles.origin(image);
		return o == null ? image : o.image();
	}

	/**
	 * Whether the model's normalisation casts the values of an image (a stack of tiles: the image it was cut from) to
	 * an integer type that does not hold them: the sentence, or null, without a Log line (a cluster's driver counts the
	 * files its tasks found, as {@link #farFromDomain}).
	 */
	public static String castOverflow(ImagePlus image, Classifier classifier) {
		return castOverflowOfWhole(uncut(image), classifier);
	}

	/**
	 * The sentence when the model's normalisation casts the image's values to an integer type that does not hold them
	 * (a bioimage.io ensure_dtype to uint8 of a 16-bit image: they wrap modulo 256, as in bioimageio.core), else null.
	 * Slices are read into copies, at most {@value #DOMAIN_SLICES}, a band of rows at a time, or whole when a step
	 * before the cast takes statistics from the image: then a slice of more than {@link CastOverflow#WHOLE_IMAGE_VALUES}
	 * values is not checked (the copy could take the memory the run needs); the image is not changed.
	 */
	private static String castOverflowOfWhole(ImagePlus image, Classifier classifier) {
		if (classifier == null || image == null || image.getProcessor() == null || !CastOverflow.casts(classifier.normalization())) return null;
		if (otherChannels(image, classifier)) return null; // the channel refusal comes with the run
		try {
			ImagePlusTiles source = new ImagePlusTiles(image);
			BatchIndex batches = ImagePlusTensors.batches(image);
			int n = source.images(), step = Math.max(1, (n + DOMAIN_SLICES - 1) / DOMAIN_SLICES);
			for (int b = 0; b < n; b += step) {
				CastOverflow o = CastOverflow.of(source, b, classifier.normalization());
				if (o != null) {
					return o.sentence(sliceSubject(image, batches, n, b));
				}
			}
			return null;
		} catch (RuntimeException e) {
			return null; // a warning never stops a run; the run itself names what is wrong with the image
		}
	}

	/**
	 * Whether an image (a stack of tiles: the image it was cut from) has channel labels that name the model's input channels in
	 * another order, or name other channels: the sentence, or null, without a Log line (a cluster's driver counts the files its
	 * tasks found, as {@link #farFromDomain}). The check of {@link #warnDomain}; the image is not changed.
	 */
	public static String channelNames(ImagePlus image, Classifier classifier) {
		try {
			return channelNamesOfWhole(uncut(image), classifier);
		} catch (RuntimeException e) {
			return null; // a warning never stops a run; the run itself names what is wrong with the image
		}
	}

	/**
	 * The sentence when the model names its input channels (a bioimage.io package's {@code channel_names}) and the image's
	 * channel labels ({@link #channelLabels}) name them in another order, or name other channels, else null: compared
	 * trimmed and ignoring case. A warning only (names may differ harmlessly); the image is not changed.
	 */
	private static String channelNamesOfWhole(ImagePlus image, Classifier classifier) {
		List<String> labels = channelLabels(image, classifier);
		return labels == null ? null : channelNamesSentence(image, labels, classifier.inputChannelNames());
	}

	/** {@link #channelNamesOfWhole}'s sentence for an image's channel {@code labels} and the model's channel {@code names}. */
	private static String channelNamesSentence(ImagePlus image, List<String> labels, List<String> names) {
		List<String> have = labels.stream().map(Models::channelKey).toList(), want = names.stream().map(Models::channelKey).toList();
		if (have.equals(want)) return null;
		String subject = sliceSubject(image, null, 1, 0) + " has its channels labelled " + String.join(", ", labels) + ", but the model"
			+ " expects " + String.join(", ", names) + ", in this order (its input's channel_names)";
		if (new HashSet<>(have).equals(new HashSet<>(want)) && new HashSet<>(want).size() == want.size()) {
			StringBuilder order = new StringBuilder();
			for (String w : want) order.append(have.indexOf(w) + 1);
			return subject + ": the same channels in another order, so the model reads each channel as another one; put them in the"
				+ " model's order with Image > Color > Arrange Channels..." + (want.size() <= 9 ? " (new channel order " + order + ")" : "")
				+ " and run again.";
		}
		return subject + ": if these are other channels, give the model the ones it was trained on, in its order (Image > Color > Arrange"
			+ " Channels...); if they are the same channels only named differently, rename them with Image > Stacks > Tools > Set Label..."
			+ " (on each channel).";
	}

	/**
	 * The labels of an image's channels when the model names its input channels and every channel of the image (two or more, as
	 * many as the model's) has its own label, else null: a channel's slice label (first line, trimmed), the same on all its planes,
	 * as ImageJ keeps it through Arrange Channels and in a TIFF. Labels that repeat, differ between a channel's planes (file names of
	 * a sequence) or give Bio-Formats' plane coordinates ("c:1/2 - name") do not name channels.
	 */
	static List<String> channelLabels(ImagePlus image, Classifier classifier) {
		if (image == null || classifier == null || classifier.inputChannelNames().isEmpty()) return null;
		int c = image.getNChannels(), z = image.getNSlices(), t = image.getNFrames();
		if (image.getBitDepth() == 24 || c < 2 || otherChannels(image, classifier) || classifier.inputChannelNames().size() != c
			|| image.getStackSize() != c * z * t) return null;
		ij.ImageStack stack = image.getStack();
		List<String> labels = new java.util.ArrayList<>();
		Set<String> keys = new HashSet<>();
		for (int ch = 1; ch <= c; ch++) {
			String label = null;
			for (int f = 1; f <= t; f++) {
				for (int s = 1; s <= z; s++) {
					String l = stack.getSliceLabel(ImagePlusTensors.stackIndex(image, ch, s, f));
					l = l == null ? "" : l.lines().findFirst().orElse("").trim();
					if (l.isEmpty() || (label != null && !label.equals(l))) return null;
					label = l;
				}
			}
			if (BIO_FORMATS_LABEL.matcher(label).lookingAt() || !keys.add(channelKey(label))) return null;
			labels.add(label);
		}
		return labels;
	}

	/** Bio-Formats' slice labels: a plane's coordinates ("c:1/2", "c:1/2; z:3/5 - name"), not a channel's name. */
	private static final java.util.regex.Pattern BIO_FORMATS_LABEL = java.util.regex.Pattern.compile("c:\\d+/\\d+");

	private static String channelKey(String name) {
		return name.trim().toLowerCase(java.util.Locale.ROOT);
	}

	/** Whether the model declares a channel count the image does not have (the run refuses it; the warnings skip it). */
	private static boolean otherChannels(ImagePlus image, Classifier classifier) {
		return classifier.signature() != null && classifier.signature().channels() > 0
			&& classifier.signature().channels() != ImagePlusTensors.channels(image);
	}

	/** The subject of a warning about slice {@code b} of the {@code n} of an image: "The image 'a.tif' (slice 3, frame 2)". */
	private static String sliceSubject(ImagePlus image, BatchIndex batches, int n, int b) {
		return "The image '" + image.getTitle() + "'" + (n > 1 ? " (slice " + batches.slice(b) + (batches.frames() > 1
			? ", frame " + batches.frame(b) : "") + ")" : "");
	}

	/** Whether the image could be compared with the model's card, and the sentence when it is far. */
	private record Domain(boolean checked, String far) {}

	private static Domain domain(ImagePlus image, Classifier classifier) {
		InputDomain card = classifier == null ? null : classifier.inputDomain();
		if (card == null || image == null || image.getProcessor() == null) return new Domain(false, null);
		if (otherChannels(image, classifier)) return new Domain(false, null); // the channel refusal comes with the run
		try {
			return domainWarning(image, classifier, card);
		} catch (RuntimeException e) {
			return new Domain(false, null); // a warning never stops a run; the run itself names what is wrong with the image
		}
	}

	private static Domain domainWarning(ImagePlus image, Classifier classifier, InputDomain card) {
		ImagePlusTiles source = new ImagePlusTiles(image);
		BatchIndex batches = ImagePlusTensors.batches(image);
		int n = source.images(), step = Math.max(1, (n + DOMAIN_SLICES - 1) / DOMAIN_SLICES), far = 0, checked = 0;
		String first = null;
		for (int b = 0; b < n; b += step) {
			InputDomain slice = InputDomain.of(source, b, classifier.normalization());
			if (slice == null) continue; // too large to copy whole for the normalisation's statistics: not checked
			checked++;
			String what = sliceSubject(image, batches, n, b);
			String w = card.warning(slice, what);
			if (w != null) {
				far++;
				if (first == null) first = w;
			}
		}
		if (first == null) return new Domain(checked > 0, null);
		return new Domain(true, first + (checked > 1 ? " (" + far + " of the " + checked + SLICES_FAR + ".)" : ""));
	}

	/**
	 * For a model that takes three channels, an 8-bit single-channel image with a colour palette
	 * (e.g. an indexed-colour PNG or GIF) as a new RGB image of the colours the palette gives each
	 * pixel; any other image as it is. ImageJ cannot tell a palette from a display LUT (its own
	 * pseudo-colour test calls small palettes smooth ramps), so the Log says what was done.
	 */
	public static ImagePlus paletteAsRgb(ImagePlus imp, Classifier classifier) {
		if (!palette(imp, classifier)) return imp;
		java.awt.image.IndexColorModel cm = (java.awt.image.IndexColorModel) imp.getProcessor().getColorModel();
		int size = cm.getMapSize();
		byte[] r = new byte[size], g = new byte[size], b = new byte[size];
		cm.getReds(r);
		cm.getGreens(g);
		cm.getBlues(b);
		int w = imp.getWidth(), h = imp.getHeight();
		ij.ImageStack source = imp.getStack(), rgb;
		if (source.isVirtual() && source.getSize() > 1) {
			// a virtual stack (a long or large file read a plane at a time) stays one: each plane's colours when it is read
			rgb = new PaletteColours(source, r, g, b, size);
		} else {
			rgb = new ij.ImageStack(w, h);
			for (int i = 1; i <= source.getSize(); i++) {
				byte[] px = (byte[]) (source.getSize() == 1 ? imp.getProcessor() : source.getProcessor(i)).getPixels();
				rgb.addSlice(source.getSliceLabel(i), PaletteColours.colours(px, w, h, r, g, b, size));
			}
		}
		ImagePlus copy = new ImagePlus(imp.getTitle(), rgb);
		copy.setDimensions(1, imp.getNSlices(), imp.getNFrames());
		copy.setCalibration(imp.getCalibration());
		if (!CALLER_SAYS_NOTES.get() && WARNED.add("palette|" + imp.getTitle())) IJ.log("ConceptScope: " + paletteSentence(imp));
		return copy;
	}

	/** {@link #paletteAsRgb}'s note of this image (null when it is read as it is), without a Log line. */
	public static String paletteNote(ImagePlus imp, Classifier classifier) {
		return palette(imp, classifier) ? paletteSentence(imp) : null;
	}

	private static boolean palette(ImagePlus imp, Classifier classifier) {
		if (imp == null || !readsPalette(classifier)) return false;
		if (imp.getBitDepth() != 8 || imp.getNChannels() != 1 || imp.getProcessor() == null) return false;
		return imp.getProcessor().isColorLut() && imp.getProcessor().getColorModel() instanceof java.awt.image.IndexColorModel;
	}

	/** Whether the model reads an 8-bit palette image as its colours: a three-channel model does. */
	public static boolean readsPalette(Classifier classifier) {
		return classifier != null && classifier.signature() != null && classifier.signature().channels() == 3;
	}

	/**
	 * The channels the model reads of images of {@code channels} channels: a palette image ({@code palette}) given to a model that
	 * {@link #readsPalette reads palettes} is its three colours.
	 */
	public static int channelsRead(Classifier classifier, boolean palette, int channels) {
		return palette && readsPalette(classifier) ? 3 : channels;
	}

	private static String paletteSentence(ImagePlus imp) {
		return "'" + imp.getTitle() + "' is an 8-bit image with a colour palette (LUT), e.g. an indexed-colour PNG; the RGB model is given"
			+ " the colours of its palette (the image is unchanged). If the LUT only colours the display, convert the image to RGB the way"
			+ " the model expects instead.";
	}

	/**
	 * A folder of one subfolder of images per class ({@link LabelledFolder}) as the model's samples
	 * ({@link ModelSizeInputs#samples}): palettes as their colours, an image larger than the input as
	 * its tiles, each with the image's class.
	 *
	 * @param command the command, named in the Log and the refusals
	 */
	public static LabelledFolder.Data labelledFolder(Path folder, Classifier classifier, org.conceptscope.fiji.param.CommandSpec command)
		throws java.io.IOException {
		return labelledFolder(folder, classifier, command, IJ::log, org.conceptscope.util.Progress.NONE);
	}

	/** {@link #labelledFolder(Path, Classifier, org.conceptscope.fiji.param.CommandSpec)}, each file read reported to progress, which can stop it. */
	public static LabelledFolder.Data labelledFolder(Path folder, Classifier classifier, org.conceptscope.fiji.param.CommandSpec command,
		org.conceptscope.util.Progress progress) throws java.io.IOException {
		return labelledFolder(folder, classifier, command, IJ::log, progress);
	}

	/**
	 * {@link #labelledFolder(Path, Classifier, org.conceptscope.fiji.param.CommandSpec, org.conceptscope.util.Progress)}, the tiling
	 * and domain lines given to {@code log}; null: neither written, the domain not checked (a cluster's tasks).
	 */
	public static LabelledFolder.Data labelledFolder(Path folder, Classifier classifier, org.conceptscope.fiji.param.CommandSpec command,
		java.util.function.Consumer<String> log, org.conceptscope.util.Progress progress) throws java.io.IOException {
		LabelledFolder.Data data = LabelledFolder.read(folder, classifier.classNames(), classifier.normalization(),
			classifier.signature().input().shape(), set -> ModelSizeInputs.samples(set, classifier, command, log), progress);
		if (log != null && !data.images().images().isEmpty()) {
			warnPixelSize(data.images().images().get(0), classifier); // checked with the first image, as a plain folder is
			warnDomain(data.images().images(), classifier, log); // one line for the whole folder
		}
		return data;
	}

	/**
	 * The images of a set as the model's input, checked against the pixel size with the first image and
	 * against the model's training domain in one Log line for the set ({@link #warnDomain(List, Classifier,
	 * java.util.function.Consumer)}); an image with a colour palette is read as its colours ({@link #paletteAsRgb}).
	 */
	public static org.conceptscope.tensor.FloatTensor input(ImageSet images, Classifier classifier) {
		return input(images, classifier, IJ::log);
	}

	/**
	 * {@link #input(ImageSet, Classifier)} with the domain warning given to {@code log} instead of the
	 * Log; null: not checked (a cluster's tasks, which read the same files pass after pass: the driver
	 * counts the far files once, or the images are crops of one that was checked).
	 */
	public static org.conceptscope.tensor.FloatTensor input(ImageSet images, Classifier classifier, java.util.function.Consumer<String> log) {
		if (!images.images().isEmpty()) warnPixelSize(images.images().get(0), classifier);
		List<ImagePlus> read = images.images().stream().map(imp -> paletteAsRgb(imp, classifier)).toList();
		if (log != null) warnDomain(read, classifier, log);
		return (read.equals(images.images()) ? images : new ImageSet(read)).toTensor(classifier.normalization());
	}

	/**
	 * Logs, once per model and calibration, when the image's pixels differ from the size the model
	 * was trained at by more than {@link PixelSize#TOLERANCE}; returns the sentence or null.
	 */
	public static String warnPixelSize(ImagePlus image, Classifier classifier) {
		String w = pixelSize(image, classifier);
		if (w == null) return null;
		Calibration c = image.getCalibration();
		if (!CALLER_SAYS_NOTES.get() && WARNED.add(classifier.name() + "|" + c.pixelWidth + "|" + c.pixelHeight + "|" + c.getUnit())) {
			IJ.log("ConceptScope warning: " + w); // the Log (stdout headless); the run goes on
		}
		return w;
	}

	/** {@link #warnPixelSize}'s sentence, or null, without a Log line (the batch runner says one line for its run). */
	public static String pixelSize(ImagePlus image, Classifier classifier) {
		PixelSize p = classifier.pixelSize();
		if (p == null || image == null) return null;
		Calibration c = image.getCalibration();
		return p.compare(c.pixelWidth, c.pixelHeight, c.getUnit(), classifier.name());
	}

	/**
	 * An 8-bit virtual stack's planes as the RGB colours of its palette, each converted when it is read:
	 * the colours of a long stack are never all in memory at once (a run reads a few planes at a time).
	 */
	static final class PaletteColours extends ij.VirtualStack {

		private final ij.ImageStack source;
		private final byte[] r, g, b;
		private final int size;

		PaletteColours(ij.ImageStack source, byte[] r, byte[] g, byte[] b, int size) {
			super(source.getWidth(), source.getHeight(), null, null);
			this.source = source;
			this.r = r;
			this.g = g;
			this.b = b;
			this.size = size;
		}

		static ij.process.ColorProcessor colours(byte[] px, int w, int h, byte[] r, byte[] g, byte[] b, int size) {
			int[] out = new int[w * h];
			for (int j = 0; j < out.length; j++) {
				int v = Math.min(px[j] & 0xff, size - 1);
				out[j] = 0xff000000 | (r[v] & 0xff) << 16 | (g[v] & 0xff) << 8 | b[v] & 0xff;
			}
			return new ij.process.ColorProcessor(w, h, out);
		}

		@Override
		public ij.process.ImageProcessor getProcessor(int n) {
			return colours((byte[]) source.getProcessor(n).getPixels(), getWidth(), getHeight(), r, g, b, size);
		}

		@Override
		public Object getPixels(int n) {
			return getProcessor(n).getPixels();
		}

		@Override
		public int getSize() {
			return source.getSize();
		}

		@Override
		public String getSliceLabel(int n) {
			return source.getSliceLabel(n);
		}

		@Override
		public int getBitDepth() {
			return 24;
		}
	}
}
