/// How a class's map is computed from feature maps F (K×h×w). At the head's feature map the
/// gradients at F come from the head alone (a GAP → linear head gives them in closed form, a
/// small non-linear head through `HeadProgram`); at any other layer (`--layer`) from reverse
/// mode over the network (`Inference.GradientPlan`).
public enum CAMMethod: String, CaseIterable, Sendable, Codable {
    /// Zhou et al., CVPR 2016, "Learning Deep Features for Discriminative Localization".
    case cam
    /// Selvaraju et al., ICCV 2017, "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization".
    case gradcam
    /// Chattopadhay et al., WACV 2018, "Grad-CAM++: Improved Visual Explanations for Deep Convolutional Networks".
    case gradcampp
    /// Fu et al., BMVC 2020, "Axiom-based Grad-CAM: Towards Accurate Visualization and Explanation of CNNs".
    case xgradcam
    /// Draelos & Carin, 2020, "Use HiResCAM instead of Grad-CAM for faithful explanations of convolutional neural networks".
    case hirescam
    /// Muhammad & Yeasin, IJCNN 2020, "Eigen-CAM: Class Activation Map using Principal Components".
    case eigencam
    /// Wang et al., CVPR-W 2020, "Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural Networks".
    case scorecam
    /// Desai & Ramaswamy, WACV 2020, "Ablation-CAM: Visual Explanations for Deep Convolutional Network via Gradient-free Localization".
    case ablationcam
    /// Jiang et al., IEEE TIP 2021, "LayerCAM: Exploring Hierarchical Class Activation Maps for Localization".
    case layercam
    /// pytorch-grad-cam's GradCAMElementWise: Σ_k ReLU(∂y_c/∂F_k ⊙ F_k).
    case gradcamelementwise
    /// pytorch-grad-cam's EigenGradCAM: the first principal component of ∂y_c/∂F ⊙ F.
    case eigengradcam

    /// The gradient with respect to the input pixels (captum's Saliency: |∂y_c/∂x|).
    case saliency
    /// Smilkov et al., 2017, "SmoothGrad: removing noise by adding noise": |∂y_c/∂x| averaged over noisy copies of the input.
    case smoothgrad
    /// Sundararajan et al., ICML 2017, "Axiomatic Attribution for Deep Networks" (Integrated Gradients).
    case integratedgradients

    /// Springenberg et al., ICLR-W 2015, "Striving for Simplicity": the input gradient with every ReLU passing back only positive gradients.
    case guidedbackprop
    /// Selvaraju et al., ICCV 2017: guided backpropagation times the (normalised, upsampled) Grad-CAM map.
    case guidedgradcam

    /// Zeiler & Fergus, ECCV 2014, "Visualizing and Understanding Convolutional Networks": the drop of the class score when a window of the input is set to 0, averaged over the windows covering each pixel (captum's Occlusion). No gradient.
    case occlusion

    /// Srinivas & Fleuret, NeurIPS 2019, "Full-Gradient Representation for Neural Network Visualization": |∂y/∂x ⊙ x| plus every biased layer's |bias ⊙ ∂y/∂output|, each channel normalised and resized to the input (pytorch-grad-cam's FullGrad).
    case fullgrad

    /// Petsiuk et al., BMVC 2018, "RISE: Randomized Input Sampling for Explanation of Black-box Models": random smooth masks weighted by the class probability of the masked input. No gradient.
    case rise

    /// Abnar & Zuidema, ACL 2020, "Quantifying Attention Flow in Transformers": attention rollout, the class token's row of the product of the layers' head-fused attention (vision transformers with a class token).
    case rollout
    /// Chefer, Gur & Wolf, ICCV 2021, "Generic Attention-model Explainability for Interpreting Bi-Modal and Encoder-Decoder Transformers": rollout of each layer's positive gradient × attention.
    case gradrollout

    /// Attention-native methods: maps on the token grid from the attention probabilities.
    public static let attentionMethods: [CAMMethod] = [.rollout, .gradrollout]

    /// Pixel attributions: maps at the model input's resolution (input gradients, or forward passes only).
    public static let pixelMethods: [CAMMethod] = [.saliency, .smoothgrad, .integratedgradients, .guidedbackprop, .guidedgradcam, .occlusion, .fullgrad, .rise]

    /// Methods that work at any layer: those that need only F and ∂y_c/∂F there. CAM needs the
    /// head's weights; Score-CAM and Ablation-CAM change the head's features and rerun the head.
    public static let layerMethods: [CAMMethod] = [.gradcam, .gradcampp, .xgradcam, .hirescam, .layercam, .gradcamelementwise, .eigengradcam, .eigencam]
}
