/// Maps of several layers as one (`--layer a,b,c`), as pytorch-grad-cam fuses its target
/// layers (`scale_cam_image`, `aggregate_multi_layers`): each map ReLU'd, min–max normalised
/// (x − min)/(max + 1e-7), resized to the model input (bilinear, half-pixel, as cv2.resize),
/// then averaged. The result is a map at the input's resolution, placed on the photo like any.
enum LayerFusion {
    static func average(_ maps: [ClassActivationMap], width w: Int, height h: Int) -> ClassActivationMap {
        var sum = [Float](repeating: 0, count: w * h)
        for map in maps {
            let scaled = ClassActivationMap.minMaxScaled(map.values.lazy.map { max($0, 0) })
            let resized = map.width == w && map.height == h ? scaled : MapUpsampler.resize(scaled, width: map.width, height: map.height, toWidth: w, height: h)
            for i in sum.indices { sum[i] += resized[i] }
        }
        return ClassActivationMap(width: w, height: h, values: sum.map { $0 / Float(maps.count) })
    }
}
