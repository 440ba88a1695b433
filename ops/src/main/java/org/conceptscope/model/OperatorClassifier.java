package org.conceptscope.model;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;

/**
 * A {@link DenseModel} questioned through a {@link TargetOperator}: its "logits" are the operator's
 * scores, so every attribution method (gradient or perturbation) explains a segmentation zone or a
 * regression value the way it explains a class. Gradients are the model's output gradients with
 * the operator's output weights; layers, activations and layer feeding pass through.
 * <p>
 * A view made by {@link #owning} closes its model when closed; views made by {@link #of} and
 * {@link #withOperator} (another zone of the same model, e.g. one per ROI) do not.
 */
public final class OperatorClassifier implements Classifier {

	private final DenseModel model;
	private final TargetOperator operator;
	private final boolean owning;
	private final List<String> names;
	private final ModelSignature signature;
	/** Output shapes per input (or fed layer) size, for models whose output size is not static. */
	private final Map<String, long[]> outputShapes = new ConcurrentHashMap<>();

	private OperatorClassifier(DenseModel model, TargetOperator operator, boolean owning) {
		if (model == null || operator == null) throw new IllegalArgumentException("A model and an operator are needed.");
		this.model = model;
		this.operator = operator;
		this.owning = owning;
		this.names = operator.targetNames(model.outputShape(), model.channelNames());
		ModelSignature s = model.signature();
		TensorSpec scores = new TensorSpec("scores", operator.key() + "(" + s.logits().tensorName() + ")", new long[] { -1, names.size() },
			s.logits().dtype());
		this.signature = new ModelSignature(s.key(), s.input(), scores, null, s.outputs());
	}

	/** A view of a model through an operator; closing it leaves the model open. */
	public static OperatorClassifier of(DenseModel model, TargetOperator operator) {
		return new OperatorClassifier(model, operator, false);
	}

	/** A view that owns its model: closing the view closes the model. */
	public static OperatorClassifier owning(DenseModel model, TargetOperator operator) {
		return new OperatorClassifier(model, operator, true);
	}

	/** The same model through another operator (e.g. another zone); closing the new view leaves the model open. */
	public OperatorClassifier withOperator(TargetOperator other) {
		return new OperatorClassifier(model, other, false);
	}

	public DenseModel model() {
		return model;
	}

	public TargetOperator operator() {
		return operator;
	}

	@Override
	public ModelSignature signature() {
		return signature;
	}

	@Override
	public long inputHeight(long height) {
		return model instanceof Classifier c ? c.inputHeight(height) : Classifier.super.inputHeight(height);
	}

	@Override
	public long inputWidth(long width) {
		return model instanceof Classifier c ? c.inputWidth(width) : Classifier.super.inputWidth(width);
	}

	@Override
	public String inputHeights() {
		return model instanceof Classifier c ? c.inputHeights() : Classifier.super.inputHeights();
	}

	@Override
	public String inputWidths() {
		return model instanceof Classifier c ? c.inputWidths() : Classifier.super.inputWidths();
	}

	@Override
	public String name() {
		return model.name();
	}

	@Override
	public List<String> classNames() {
		return names;
	}

	@Override
	public Normalization normalization() {
		return model.normalization();
	}

	@Override
	public int preferredBatchSize() {
		return model.preferredBatchSize();
	}

	@Override
	public PixelSize pixelSize() {
		return model.pixelSize();
	}

	@Override
	public org.conceptscope.tensor.InputDomain inputDomain() {
		return model.inputDomain();
	}

	@Override
	public List<String> inputChannelNames() {
		return model.inputChannelNames();
	}

	@Override
	public InputValueRange inputValueRange() {
		return model.inputValueRange();
	}

	@Override
	public List<LayerInfo> layers() {
		return model.layers();
	}

	@Override
	public FloatTensor logits(FloatTensor images) {
		return operator.scores(model.outputs(images));
	}

	/**
	 * The scores themselves when they are probabilities (a zone's mean of a softmax output), else
	 * their softmax (for a regression only the arg-max of that means something).
	 */
	@Override
	public FloatTensor probabilities(FloatTensor images) {
		FloatTensor scores = logits(images);
		if (operator instanceof TargetOperator.Zone && model.mapHoldsProbabilities()) return scores;
		return softmax(scores);
	}

	/**
	 * A zone's means of a sigmoid map (a model multi-label per pixel): each channel's score is its own
	 * probability, not a softmax over the channels; for other operators {@link #probabilities} is a softmax.
	 */
	@Override
	public boolean isMultiLabel() {
		return operator instanceof TargetOperator.Zone && model.mapHoldsProbabilities() && model instanceof Classifier c && c.isMultiLabel();
	}

	@Override
	public boolean supportsGradients() {
		return model.supportsGradients();
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
		checkWeights(classWeights, images.dim(0));
		long[] out = outputShape("input " + images.dim(1) + "x" + images.dim(2), images.dim(0), () -> model.outputs(images.slice(0)));
		return model.inputGradient(images, operator.outputWeights(classWeights, out));
	}

	@Override
	public boolean supportsReluBackward() {
		return model.supportsReluBackward();
	}

	@Override
	public void checkReluBackward(ReluBackward rule) {
		if (rule == ReluBackward.ORDINARY) return;
		if (!model.supportsReluBackward()) Classifier.super.checkReluBackward(rule);
		else model.checkReluBackward(rule);
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights, ReluBackward rule) {
		if (rule == ReluBackward.ORDINARY) return inputGradient(images, classWeights);
		if (!model.supportsReluBackward()) return Classifier.super.inputGradient(images, classWeights, rule);
		checkWeights(classWeights, images.dim(0));
		long[] out = outputShape("input " + images.dim(1) + "x" + images.dim(2), images.dim(0), () -> model.outputs(images.slice(0)));
		return model.inputGradient(images, operator.outputWeights(classWeights, out), rule);
	}

	@Override
	public FloatTensor activations(FloatTensor images, String layer) {
		return model.activations(images, layer);
	}

	@Override
	public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
		checkWeights(classWeights, images.dim(0));
		long[] out = outputShape("input " + images.dim(1) + "x" + images.dim(2), images.dim(0), () -> model.outputs(images.slice(0)));
		return model.layerGradient(images, layer, operator.outputWeights(classWeights, out));
	}

	@Override
	public void requireSplit(String layer) {
		if (model instanceof Classifier c) c.requireSplit(layer);
	}

	@Override
	public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
		return operator.scores(model.outputsFromLayer(layer, activations));
	}

	@Override
	public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
		checkWeights(classWeights, activations.dim(0));
		long[] out = outputShape("layer " + layer + " " + Arrays.toString(activations.shape()), activations.dim(0),
			() -> model.outputsFromLayer(layer, activations.slice(0)));
		return model.gradientFromLayer(layer, activations, operator.outputWeights(classWeights, out));
	}

	@Override
	public void close() {
		if (owning) model.close();
	}

	@Override
	public String toString() {
		return "OperatorClassifier[" + model + ", " + operator.describe() + ", " + names.size() + " targets]";
	}

	/** The output's shape for a batch of n: static when the model declares it, else measured once per input size on one image. */
	private long[] outputShape(String key, long n, Supplier<FloatTensor> probe) {
		long[] s = model.outputShape();
		boolean known = true;
		for (int i = 1; i < s.length; i++) known &= s[i] > 0;
		if (!known) {
			long[] measured = outputShapes.get(key);
			if (measured == null) {
				measured = probe.get().shape();
				outputShapes.put(key, measured);
			}
			s = measured.clone();
		}
		s[0] = n;
		return s;
	}

	private void checkWeights(FloatTensor weights, long batch) {
		TensorChecks.classWeights(weights, batch, names.size());
	}

	static FloatTensor softmax(FloatTensor scores) {
		return TensorFlowClassifier.softmax(scores);
	}
}
