package org.conceptscope.testmodels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.testmodels.KerasGraph.Fn;
import org.tensorflow.Output;
import org.tensorflow.types.TFloat32;

/**
 * Scaled-down SavedModels with the operation structure of the Keras Applications exports
 * (keras.applications ResNet50, DenseNet121, MobileNetV2, EfficientNetB0) and of a small Vision
 * Transformer, as TF2 saves a Keras model: nested StatefulPartitionedCalls (signature wrapper,
 * model, blocks, layers) with resource variables. Weights are seeded random draws (He-scaled
 * kernels, batch norms near identity), not trained: the fixtures are for the graph reader and the
 * methods, not for accuracy. Input 32 x 32 x 3, three classes.
 * <ul>
 * <li>ResNet50: ZeroPadding2D, 7x7 VALID stride-2 convolution, FusedBatchNormV3, ZeroPadding2D +
 * VALID 3x3 max pooling, bottleneck blocks with projection and identity shortcuts (AddV2),
 * global average pooling (Mean), dense.</li>
 * <li>DenseNet121: the same stem, dense blocks (BN, ReLU, 1x1 and 3x3 convolutions, ConcatV2 on
 * channels), a transition (1x1 convolution, 2x2 VALID average pooling).</li>
 * <li>MobileNetV2: ReLU6, inverted residual blocks with DepthwiseConv2dNative (SAME, and
 * ZeroPadding2D + VALID for stride 2), linear bottlenecks, a residual AddV2.</li>
 * <li>EfficientNetB0: swish (Sigmoid, Mul), MBConv blocks with squeeze-and-excitation (Mean,
 * Reshape, 1x1 convolutions, Sigmoid, Mul of the feature map by the channel gates).</li>
 * <li>ViT: 8x8 patch embedding (VALID stride-8 convolution), Reshape to tokens [N, 16, 16],
 * position embedding, two transformer blocks (LayerNormalization as Mean, StopGradient,
 * SquaredDifference, Rsqrt; multi-head attention with BatchMatMulV2, Reshape, Transpose,
 * Softmax; an MLP with exact GELU through Erf), token mean pooling, dense.</li>
 * </ul>
 */
public final class KerasApplications {

	/** The architectures. */
	public enum Architecture {
		RESNET50, DENSENET121, MOBILENETV2, EFFICIENTNETB0, VIT
	}

	public static final int SIZE = 32, CHANNELS = 3, CLASSES = 3;
	/** The seed every fixture is drawn with. */
	public static final long SEED = 18;

	private KerasApplications() {}

	/** Writes the architecture's SavedModel into {@code dir} (created). */
	public static Path write(Architecture a, Path dir) throws IOException {
		KerasGraph k = new KerasGraph(SEED + a.ordinal());
		KerasGraph.Body body = switch (a) {
			case RESNET50 -> KerasApplications::resnet;
			case DENSENET121 -> KerasApplications::densenet;
			case MOBILENETV2 -> KerasApplications::mobilenet;
			case EFFICIENTNETB0 -> KerasApplications::efficientnet;
			case VIT -> KerasApplications::vit;
		};
		k.write(dir, SIZE, CHANNELS, body);
		return dir;
	}

	// ------------------------------------------------------------------ layers

	static long channels(Fn f, Output<?> x) {
		long[] s = f.shape(x).asArray();
		return s[s.length - 1];
	}

	/** Output shape of a convolution-like window op. */
	static org.tensorflow.ndarray.Shape windowShape(Fn f, Output<?> x, int filters, int k, int stride, String padding) {
		long[] s = f.shape(x).asArray().clone();
		for (int d = 1; d <= 2; d++) s[d] = padding.equals("VALID") ? (s[d] - k) / stride + 1 : (s[d] + stride - 1) / stride;
		s[3] = filters;
		return org.tensorflow.ndarray.Shape.of(s);
	}

	static org.tensorflow.ndarray.Shape lastAxis(Fn f, Output<?> x, int units) {
		long[] s = f.shape(x).asArray().clone();
		s[s.length - 1] = units;
		return org.tensorflow.ndarray.Shape.of(s);
	}

	static Output<TFloat32> pad(Fn f, Output<TFloat32> x, int top, int bottom, int left, int right) {
		Output<?> paddings = f.ints2d(0, 0, top, bottom, left, right, 0, 0);
		return f.op("Pad", "zero_padding2d/Pad", List.of(x, paddings));
	}

	/** A Keras Conv2D layer (a function of its own): kernel, optional bias. */
	static Output<TFloat32> conv(Fn f, String name, Output<TFloat32> x, int filters, int k, int stride, String padding, boolean bias) {
		long cin = channels(f, x);
		return f.call(name, x, windowShape(f, x, filters, k, stride, padding), (c, in) -> {
			Output<TFloat32> w = c.weight(name + "/kernel", 0, Math.sqrt(2.0 / (k * k * cin)), false, k, k, cin, filters);
			Output<TFloat32> y = c.op("Conv2D", "Conv2D", List.of(in, w), "strides", new long[] { 1, stride, stride, 1 }, "padding", padding,
				"data_format", "NHWC", "dilations", new long[] { 1, 1, 1, 1 }, "use_cudnn_on_gpu", true);
			if (bias) y = c.op("BiasAdd", "BiasAdd", List.of(y, c.weight(name + "/bias", 0, 0.05, false, filters)), "data_format", "NHWC");
			return y;
		});
	}

	static Output<TFloat32> depthwise(Fn f, String name, Output<TFloat32> x, int k, int stride, String padding) {
		long cin = channels(f, x);
		return f.call(name, x, windowShape(f, x, (int) cin, k, stride, padding), (c, in) -> {
			Output<TFloat32> w = c.weight(name + "/depthwise_kernel", 0, Math.sqrt(2.0 / (k * k)), false, k, k, cin, 1);
			return c.op("DepthwiseConv2dNative", "depthwise", List.of(in, w), "strides", new long[] { 1, stride, stride, 1 }, "padding",
				padding, "data_format", "NHWC", "dilations", new long[] { 1, 1, 1, 1 });
		});
	}

	/** Keras BatchNormalization in inference: FusedBatchNormV3 with the moving statistics. */
	static Output<TFloat32> bn(Fn f, String name, Output<TFloat32> x, float eps) {
		long c = channels(f, x);
		return f.call(name, x, f.shape(x), (b, in) -> b.op("FusedBatchNormV3", "FusedBatchNormV3",
			List.of(in, b.weight(name + "/gamma", 1, 0.1, false, c), b.weight(name + "/beta", 0, 0.1, false, c),
				b.weight(name + "/moving_mean", 0, 0.1, false, c), b.weight(name + "/moving_variance", 1, 0.2, true, c)),
			"epsilon", eps, "data_format", "NHWC", "is_training", false, "exponential_avg_factor", 1f));
	}

	static Output<TFloat32> relu(Fn f, Output<TFloat32> x) {
		return f.op("Relu", "Relu", List.of(x));
	}

	static Output<TFloat32> relu6(Fn f, Output<TFloat32> x) {
		return f.op("Relu6", "Relu6", List.of(x));
	}

	/** Keras's swish / silu: x * sigmoid(x). */
	static Output<TFloat32> swish(Fn f, Output<TFloat32> x) {
		return f.op("Mul", "mul", List.of(x, f.op("Sigmoid", "Sigmoid", List.of(x))));
	}

	static Output<TFloat32> pool(Fn f, String type, Output<TFloat32> x, int k, int stride, String padding) {
		return f.op(type, type, List.of(x), "ksize", new long[] { 1, k, k, 1 }, "strides", new long[] { 1, stride, stride, 1 }, "padding",
			padding, "data_format", "NHWC");
	}

	static Output<TFloat32> add(Fn f, Output<TFloat32> a, Output<TFloat32> b) {
		return f.op("AddV2", "add", List.of(a, b));
	}

	/** GlobalAveragePooling2D: Mean over rows and columns. */
	static Output<TFloat32> gap(Fn f, Output<TFloat32> x, boolean keepDims) {
		return f.op("Mean", "Mean", List.of(x, f.ints(1, 2)), "keep_dims", keepDims);
	}

	/** The classifier head (logits; the model function adds the softmax). */
	static Output<TFloat32> dense(Fn f, String name, Output<TFloat32> x, int units) {
		long in = channels(f, x);
		return f.call(name, x, lastAxis(f, x, units), (c, v) -> {
			Output<TFloat32> w = c.weight(name + "/kernel", 0, Math.sqrt(1.0 / in), false, in, units);
			Output<TFloat32> y = c.op("MatMul", "MatMul", List.of(v, w), "transpose_a", false, "transpose_b", false);
			return c.op("BiasAdd", "BiasAdd", List.of(y, c.weight(name + "/bias", 0, 0.05, false, units)), "data_format", "NHWC");
		});
	}

	// ------------------------------------------------------------------ ResNet50

	static Output<TFloat32> resnet(Fn m, Output<TFloat32> x) {
		x = m.call("conv1_pad", x, (f, v) -> pad(f, v, 3, 3, 3, 3));
		x = conv(m, "conv1_conv", x, 8, 7, 2, "VALID", true);
		x = bn(m, "conv1_bn", x, 1.001e-5f);
		x = m.call("conv1_relu", x, KerasApplications::relu);
		x = m.call("pool1_pad", x, (f, v) -> pad(f, v, 1, 1, 1, 1));
		x = m.call("pool1_pool", x, (f, v) -> pool(f, "MaxPool", v, 3, 2, "VALID"));
		x = m.call("conv2_block1", x, (f, v) -> bottleneck(f, "conv2_block1", v, 4, 1, true));
		x = m.call("conv2_block2", x, (f, v) -> bottleneck(f, "conv2_block2", v, 4, 1, false));
		x = m.call("conv3_block1", x, (f, v) -> bottleneck(f, "conv3_block1", v, 8, 2, true));
		x = m.call("avg_pool", x, (f, v) -> gap(f, v, false));
		return dense(m, "predictions", x, CLASSES);
	}

	/** keras.applications.resnet's block1: 1x1, 3x3, 1x1 (x4 filters) with batch norms; projection or identity shortcut. */
	static Output<TFloat32> bottleneck(Fn f, String name, Output<TFloat32> x, int filters, int stride, boolean project) {
		Output<TFloat32> shortcut = x;
		if (project) {
			shortcut = conv(f, name + "_0_conv", x, 4 * filters, 1, stride, "VALID", true);
			shortcut = bn(f, name + "_0_bn", shortcut, 1.001e-5f);
		}
		Output<TFloat32> y = conv(f, name + "_1_conv", x, filters, 1, stride, "VALID", true);
		y = relu(f, bn(f, name + "_1_bn", y, 1.001e-5f));
		y = conv(f, name + "_2_conv", y, filters, 3, 1, "SAME", true);
		y = relu(f, bn(f, name + "_2_bn", y, 1.001e-5f));
		y = conv(f, name + "_3_conv", y, 4 * filters, 1, 1, "VALID", true);
		y = bn(f, name + "_3_bn", y, 1.001e-5f);
		return relu(f, add(f, shortcut, y));
	}

	// ------------------------------------------------------------------ DenseNet121

	static Output<TFloat32> densenet(Fn m, Output<TFloat32> x) {
		x = m.call("zero_padding2d", x, (f, v) -> pad(f, v, 3, 3, 3, 3));
		x = conv(m, "conv1/conv", x, 8, 7, 2, "VALID", false);
		x = bn(m, "conv1/bn", x, 1.001e-5f);
		x = m.call("conv1/relu", x, KerasApplications::relu);
		x = m.call("zero_padding2d_1", x, (f, v) -> pad(f, v, 1, 1, 1, 1));
		x = m.call("pool1", x, (f, v) -> pool(f, "MaxPool", v, 3, 2, "VALID"));
		for (int i = 1; i <= 2; i++) {
			String name = "conv2_block" + i;
			x = m.call(name, x, (f, v) -> denseConvBlock(f, name, v, 4));
		}
		x = m.call("pool2", x, (f, v) -> {
			Output<TFloat32> y = relu(f, bn(f, "pool2_bn", v, 1.001e-5f));
			y = conv(f, "pool2_conv", y, (int) channels(f, v) / 2, 1, 1, "VALID", false);
			return pool(f, "AvgPool", y, 2, 2, "VALID");
		});
		x = m.call("conv3_block1", x, (f, v) -> denseConvBlock(f, "conv3_block1", v, 4));
		x = bn(m, "bn", x, 1.001e-5f);
		x = m.call("relu", x, KerasApplications::relu);
		x = m.call("avg_pool", x, (f, v) -> gap(f, v, false));
		return dense(m, "predictions", x, CLASSES);
	}

	/** keras.applications.densenet's conv_block: BN, ReLU, 1x1 (4 x growth), BN, ReLU, 3x3 (growth), concatenated to the input. */
	static Output<TFloat32> denseConvBlock(Fn f, String name, Output<TFloat32> x, int growth) {
		Output<TFloat32> y = relu(f, bn(f, name + "_0_bn", x, 1.001e-5f));
		y = conv(f, name + "_1_conv", y, 4 * growth, 1, 1, "VALID", false);
		y = relu(f, bn(f, name + "_1_bn", y, 1.001e-5f));
		y = conv(f, name + "_2_conv", y, growth, 3, 1, "SAME", false);
		return f.opList("ConcatV2", name + "_concat/concat", List.of(x, y), List.of(f.tf.constant(3).asOutput()));
	}

	// ------------------------------------------------------------------ MobileNetV2

	static Output<TFloat32> mobilenet(Fn m, Output<TFloat32> x) {
		x = conv(m, "Conv1", x, 8, 3, 2, "SAME", false);
		x = bn(m, "bn_Conv1", x, 1e-3f);
		x = m.call("Conv1_relu", x, KerasApplications::relu6);
		x = m.call("expanded_conv", x, (f, v) -> inverted(f, "expanded_conv", v, 1, 6, 1));
		x = m.call("block_1", x, (f, v) -> inverted(f, "block_1", v, 4, 8, 2));
		x = m.call("block_2", x, (f, v) -> inverted(f, "block_2", v, 4, 8, 1));
		x = conv(m, "Conv_1", x, 32, 1, 1, "VALID", false);
		x = bn(m, "Conv_1_bn", x, 1e-3f);
		x = m.call("out_relu", x, KerasApplications::relu6);
		x = m.call("global_average_pooling2d", x, (f, v) -> gap(f, v, false));
		return dense(m, "predictions", x, CLASSES);
	}

	/** keras.applications.mobilenet_v2's _inverted_res_block. */
	static Output<TFloat32> inverted(Fn f, String name, Output<TFloat32> x, int expansion, int filters, int stride) {
		long in = channels(f, x);
		Output<TFloat32> y = x;
		if (expansion > 1) {
			y = conv(f, name + "_expand", y, (int) (expansion * in), 1, 1, "VALID", false);
			y = relu6(f, bn(f, name + "_expand_BN", y, 1e-3f));
		}
		if (stride == 2) {
			y = pad(f, y, 0, 1, 0, 1); // correct_pad for an even size and a 3x3 kernel
			y = depthwise(f, name + "_depthwise", y, 3, 2, "VALID");
		} else {
			y = depthwise(f, name + "_depthwise", y, 3, 1, "SAME");
		}
		y = relu6(f, bn(f, name + "_depthwise_BN", y, 1e-3f));
		y = conv(f, name + "_project", y, filters, 1, 1, "VALID", false);
		y = bn(f, name + "_project_BN", y, 1e-3f);
		return in == filters && stride == 1 ? add(f, x, y) : y;
	}

	// ------------------------------------------------------------------ EfficientNetB0

	static Output<TFloat32> efficientnet(Fn m, Output<TFloat32> x) {
		x = m.call("stem_conv_pad", x, (f, v) -> pad(f, v, 0, 1, 0, 1));
		x = conv(m, "stem_conv", x, 8, 3, 2, "VALID", false);
		x = bn(m, "stem_bn", x, 1e-3f);
		x = m.call("stem_activation", x, KerasApplications::swish);
		x = m.call("block1a", x, (f, v) -> mbconv(f, "block1a", v, 1, 8, 1));
		x = m.call("block2a", x, (f, v) -> mbconv(f, "block2a", v, 6, 12, 2));
		x = conv(m, "top_conv", x, 32, 1, 1, "VALID", false);
		x = bn(m, "top_bn", x, 1e-3f);
		x = m.call("top_activation", x, KerasApplications::swish);
		x = m.call("avg_pool", x, (f, v) -> gap(f, v, false));
		return dense(m, "predictions", x, CLASSES);
	}

	/** keras.applications.efficientnet's block: expansion, depthwise, squeeze-and-excitation (ratio 0.25), projection, skip. */
	static Output<TFloat32> mbconv(Fn f, String name, Output<TFloat32> x, int expansion, int filters, int stride) {
		long in = channels(f, x);
		int expanded = (int) (in * expansion);
		Output<TFloat32> y = x;
		if (expansion != 1) {
			y = conv(f, name + "_expand_conv", y, expanded, 1, 1, "SAME", false);
			y = swish(f, bn(f, name + "_expand_bn", y, 1e-3f));
		}
		if (stride == 2) {
			y = pad(f, y, 0, 1, 0, 1);
			y = depthwise(f, name + "_dwconv", y, 3, 2, "VALID");
		} else {
			y = depthwise(f, name + "_dwconv", y, 3, 1, "SAME");
		}
		y = swish(f, bn(f, name + "_bn", y, 1e-3f));
		int squeezed = (int) Math.max(1, in / 4);
		Output<TFloat32> se = gap(f, y, false);
		se = f.op("Reshape", name + "_se_reshape/Reshape", List.of(se, f.ints(-1, 1, 1, expanded)));
		se = swish(f, conv(f, name + "_se_reduce", se, squeezed, 1, 1, "SAME", true));
		se = f.op("Sigmoid", "Sigmoid", List.of(conv(f, name + "_se_expand", se, expanded, 1, 1, "SAME", true)));
		y = f.op("Mul", name + "_se_excite/mul", List.of(y, se));
		y = conv(f, name + "_project_conv", y, filters, 1, 1, "SAME", false);
		y = bn(f, name + "_project_bn", y, 1e-3f);
		return stride == 1 && in == filters ? add(f, y, x) : y;
	}

	// ------------------------------------------------------------------ ViT

	static final int PATCH = 8, DIM = 16, HEADS = 2, MLP = 32;

	static Output<TFloat32> vit(Fn m, Output<TFloat32> x) {
		int tokens = (SIZE / PATCH) * (SIZE / PATCH);
		x = conv(m, "patch_embedding", x, DIM, PATCH, PATCH, "VALID", true);
		x = m.call("tokens", x, (f, v) -> f.op("Reshape", "Reshape", List.of(v, f.ints(-1, tokens, DIM))));
		x = m.call("position_embedding", x, (f, v) -> add(f, v, f.weight("position_embedding/embeddings", 0, 0.1, false, 1, tokens, DIM)));
		for (int b = 0; b < 2; b++) {
			String name = "transformer_block_" + b;
			x = m.call(name, x, (f, v) -> {
				Output<TFloat32> y = layerNorm(f, name + "/layer_normalization", v);
				y = attention(f, name + "/multi_head_attention", y, tokens);
				Output<TFloat32> h = add(f, v, y);
				y = layerNorm(f, name + "/layer_normalization_1", h);
				y = denseTokens(f, name + "/dense", y, MLP);
				y = f.call(name + "/gelu", y, KerasApplications::gelu);
				y = denseTokens(f, name + "/dense_1", y, DIM);
				return add(f, h, y);
			});
		}
		x = layerNorm(m, "layer_normalization", x);
		x = m.call("global_average_pooling1d", x, (f, v) -> f.op("Mean", "Mean", List.of(v, f.ints(1)), "keep_dims", false));
		return dense(m, "predictions", x, CLASSES);
	}

	/** Keras LayerNormalization over the last axis, as the TensorFlow backend writes it (moments, rsqrt). */
	static Output<TFloat32> layerNorm(Fn f, String name, Output<TFloat32> x) {
		long c = channels(f, x);
		return f.call(name, x, f.shape(x), (n, v) -> {
			Output<?> axis = n.ints(-1);
			Output<TFloat32> mean = n.op("Mean", "moments/mean", List.of(v, axis), "keep_dims", true);
			Output<TFloat32> sq = n.op("SquaredDifference", "moments/SquaredDifference", List.of(v, n.op("StopGradient", "moments/StopGradient",
				List.of(mean))));
			Output<TFloat32> var = n.op("Mean", "moments/variance", List.of(sq, axis), "keep_dims", true);
			Output<TFloat32> inv = n.op("Rsqrt", "batchnorm/Rsqrt", List.of(n.op("AddV2", "batchnorm/add", List.of(var, n.scalar(1e-3f)))));
			inv = n.op("Mul", "batchnorm/mul", List.of(inv, n.weight(name + "/gamma", 1, 0.1, false, c)));
			Output<TFloat32> scaled = n.op("Mul", "batchnorm/mul_1", List.of(v, inv));
			Output<TFloat32> shift = n.op("Sub", "batchnorm/sub", List.of(n.weight(name + "/beta", 0, 0.1, false, c),
				n.op("Mul", "batchnorm/mul_2", List.of(mean, inv))));
			return n.op("AddV2", "batchnorm/add_1", List.of(scaled, shift));
		});
	}

	/** A Keras Dense layer on tokens [N, t, c]: BatchMatMulV2 with the kernel, AddV2 of the bias. */
	static Output<TFloat32> denseTokens(Fn f, String name, Output<TFloat32> x, int units) {
		long in = channels(f, x);
		return f.call(name, x, lastAxis(f, x, units), (c, v) -> {
			Output<TFloat32> y = c.op("BatchMatMulV2", "MatMul", List.of(v, c.weight(name + "/kernel", 0, Math.sqrt(1.0 / in), false, in, units)),
				"adj_x", false, "adj_y", false);
			return c.op("AddV2", "BiasAdd", List.of(y, c.weight(name + "/bias", 0, 0.05, false, units)));
		});
	}

	/** Exact GELU (Keras's gelu, approximate=False): 0.5 x (1 + erf(x / sqrt 2)). */
	static Output<TFloat32> gelu(Fn f, Output<TFloat32> x) {
		Output<TFloat32> e = f.op("Erf", "Gelu/Erf", List.of(f.op("Mul", "Gelu/mul", List.of(x, f.scalar((float) (1 / Math.sqrt(2)))))));
		Output<TFloat32> half = f.op("Mul", "Gelu/mul_1", List.of(f.scalar(0.5f), x));
		return f.op("Mul", "Gelu/mul_2", List.of(half, f.op("AddV2", "Gelu/add", List.of(f.scalar(1f), e))));
	}

	/** Multi-head self-attention: projections, heads split by Reshape + Transpose, scaled dot products, Softmax, merge, output projection. */
	static Output<TFloat32> attention(Fn f, String name, Output<TFloat32> x, int tokens) {
		int dh = DIM / HEADS;
		return f.call(name, x, f.shape(x), (a, v) -> {
			List<Output<TFloat32>> qkv = new ArrayList<>();
			for (String p : new String[] { "query", "key", "value" }) {
				Output<TFloat32> y = denseTokens(a, name + "/" + p, v, DIM);
				y = a.op("Reshape", p + "/Reshape", List.of(y, a.ints(-1, tokens, HEADS, dh)));
				qkv.add(a.op("Transpose", p + "/transpose", List.of(y, a.ints(0, 2, 1, 3))));
			}
			Output<TFloat32> scores = a.op("BatchMatMulV2", "MatMul", List.of(qkv.get(0), qkv.get(1)), "adj_x", false, "adj_y", true);
			scores = a.op("Mul", "Mul", List.of(scores, a.scalar((float) (1 / Math.sqrt(dh)))));
			Output<TFloat32> weights = a.op("Softmax", "softmax/Softmax", List.of(scores));
			Output<TFloat32> ctx = a.op("BatchMatMulV2", "MatMul_1", List.of(weights, qkv.get(2)), "adj_x", false, "adj_y", false);
			ctx = a.op("Transpose", "transpose", List.of(ctx, a.ints(0, 2, 1, 3)));
			ctx = a.op("Reshape", "Reshape", List.of(ctx, a.ints(-1, tokens, DIM)));
			return denseTokens(a, name + "/attention_output", ctx, DIM);
		});
	}
}
